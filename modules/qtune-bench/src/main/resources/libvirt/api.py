"""libvirt's API side of the bench (issue 15): one persistent connection (python binding), commands
on stdin, one line per command on stdout: the API call's own time in ns, measured around the call
(perf_counter_ns), or "ERR <message>". Run with Debian's /usr/bin/python3 (python3-libvirt).

  vcpupin VCPU CPULIST | emulatorpin CPULIST | schedinfo VCPU_QUOTA | iothreadpair ID
  start | startpaused | destroy | state | quit
"""
import sys
import time
import libvirt

LIVE = libvirt.VIR_DOMAIN_AFFECT_LIVE


def cpumap(spec, ncpu):
    cpus = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return tuple(i in cpus for i in range(ncpu))


def main():
    conn = libvirt.open("qemu:///system")
    dom = conn.lookupByName(sys.argv[1])
    ncpu = conn.getInfo()[2]
    ops = {
        "vcpupin": lambda a: dom.pinVcpuFlags(int(a[0]), cpumap(a[1], ncpu), LIVE),
        "emulatorpin": lambda a: dom.pinEmulator(cpumap(a[0], ncpu), LIVE),
        "schedinfo": lambda a: dom.setSchedulerParametersFlags({"vcpu_quota": int(a[0])}, LIVE),
        "iothreadpair": lambda a: (dom.addIOThread(int(a[0]), LIVE), dom.delIOThread(int(a[0]), LIVE)),
        "start": lambda a: dom.create(),
        "startpaused": lambda a: dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED),
        "destroy": lambda a: dom.destroy(),
        "state": lambda a: dom.state(),
    }
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        try:
            t0 = time.perf_counter_ns()
            ops[words[0]](words[1:])
            out = str(time.perf_counter_ns() - t0)
        except Exception as e:  # reported to the bench, which fails the run with it
            out = "ERR " + str(e).replace("\n", " ")
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
    conn.close()


if __name__ == "__main__":
    main()
