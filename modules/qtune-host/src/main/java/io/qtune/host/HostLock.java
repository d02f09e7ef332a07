package io.qtune.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.nio.file.Path;

/**
 * An exclusive {@code flock(2)} on a file, shared by every process on the host that takes it
 * (qtune's CLI, a launcher embedding the library, the daemon). flock locks belong to the open file,
 * so two threads of one JVM exclude each other too, and the kernel drops the lock when the holder
 * dies: a qtune killed while holding it blocks nobody.
 */
public final class HostLock implements AutoCloseable {
    private static final int O_RDWR = 02;
    private static final int O_CREAT = 0100;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;
    private static final int LOCK_EX = 2;

    static {
        Native.register(NativeLibrary.getInstance("libc.so.6"));
    }

    private static native int open(String path, int flags, int mode) throws LastErrorException;

    private static native int flock(int fd, int operation) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    private final int fd;

    private HostLock(int fd) {
        this.fd = fd;
    }

    /** Blocks until the lock on {@code file} (created 0600, never through a symlink) is held. */
    public static HostLock acquire(Path file) {
        int fd;
        try {
            fd = open(file.toString(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        } catch (LastErrorException e) {
            Errno errno = Errno.ofNumber(e.getErrorCode()).orElse(null);
            throw new HostException("cannot open lock file " + file + ": "
                    + (errno == null ? e.getMessage() : errno.name() + " (" + errno.text() + ")"), errno, e);
        }
        while (true) {
            try {
                flock(fd, LOCK_EX);
                return new HostLock(fd);
            } catch (LastErrorException e) {
                if (Errno.ofNumber(e.getErrorCode()).orElse(null) == Errno.EINTR) {
                    continue;
                }
                try {
                    close(fd);
                } catch (LastErrorException ignored) {
                    // the flock error is the one to report
                }
                Errno errno = Errno.ofNumber(e.getErrorCode()).orElse(null);
                throw new HostException("cannot lock " + file + ": " + e.getMessage(), errno, e);
            }
        }
    }

    /** Releases the lock (closing the file drops it). */
    @Override
    public void close() {
        try {
            close(fd);
        } catch (LastErrorException ignored) {
            // the lock is gone with the fd either way
        }
    }
}
