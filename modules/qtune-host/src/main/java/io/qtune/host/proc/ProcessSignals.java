package io.qtune.host.proc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import io.qtune.host.Errno;
import io.qtune.host.HostException;

/**
 * Signals a process named by its {@link ProcessIdentity}, never whatever process holds the pid now:
 * {@code pidfd_open} pins the process at the pid, its start time is checked through /proc, and
 * the signal goes through {@code pidfd_send_signal}, so a pid reused between the check and the
 * signal cannot be hit.
 */
public final class ProcessSignals {
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;

    static {
        Native.register(NativeLibrary.getInstance("libc.so.6"));
    }

    private ProcessSignals() {
    }

    private static native long syscall(long number, long a, long b, long c, long d) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    /**
     * Sends {@code signal} to {@code target}; false (nothing sent) when that process is gone, even
     * if another process has its pid now.
     */
    public static boolean send(ProcFs proc, ProcessIdentity target, int signal) {
        int fd;
        try {
            fd = (int) syscall(SYS_PIDFD_OPEN, target.pid(), 0, 0, 0);
        } catch (LastErrorException e) {
            Errno errno = Errno.ofNumber(e.getErrorCode()).orElse(null);
            if (errno == Errno.ESRCH) {
                return false;
            }
            throw new HostException("pidfd_open(" + target.pid() + ") failed: " + e.getMessage(), errno, e);
        }
        try {
            // the fd now names the process at the pid; it is ours only if it started when ours did
            if (!proc.isCurrent(target)) {
                return false;
            }
            syscall(SYS_PIDFD_SEND_SIGNAL, fd, signal, 0, 0);
            return true;
        } catch (LastErrorException e) {
            Errno errno = Errno.ofNumber(e.getErrorCode()).orElse(null);
            if (errno == Errno.ESRCH) {
                return false;
            }
            throw new HostException("pidfd_send_signal(" + target.pid() + ", " + signal + ") failed: "
                    + e.getMessage(), errno, e);
        } finally {
            try {
                close(fd);
            } catch (LastErrorException ignored) {
                // nothing to do about a failed close of a pidfd
            }
        }
    }
}
