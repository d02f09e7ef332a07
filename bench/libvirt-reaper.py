"""Runs a command (libvirtd, in the foreground) as this process's child with PR_SET_CHILD_SUBREAPER
set, and reaps every orphan re-parented to it until none is left. QEMU, double-forked by libvirtd,
lands here when it exits, and is reaped at once (PID 1 on this machine reaps orphans only every
~2 s, and libvirt's destroy waits until QEMU's pid is gone). Usage: libvirt-reaper.py PIDFILE CMD..."""
import ctypes
import os
import sys

PR_SET_CHILD_SUBREAPER = 36

def main():
    pidfile, cmd = sys.argv[1], sys.argv[2:]
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d" % ctypes.get_errno())
    with open(pidfile, "w") as f:
        f.write("%d\n" % os.getpid())
    child = os.fork()
    if child == 0:
        os.execv(cmd[0], cmd)
    status = 0
    while True:
        try:
            pid, st = os.wait()
        except ChildProcessError:
            break
        if pid == child:
            status = os.waitstatus_to_exitcode(st)
    sys.exit(status if status >= 0 else 128 - status)

if __name__ == "__main__":
    main()
