package io.qtune.host;

import java.util.Optional;

/**
 * A failure talking to the Linux host (cgroupfs, /proc, /sys or a system call). Carries the
 * errno when the kernel gave one, so callers can branch on {@link Errno} rather than on text.
 */
public class HostException extends RuntimeException {
    private final Errno errno;

    public HostException(String message, Errno errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    public HostException(String message, Errno errno) {
        this(message, errno, null);
    }

    public HostException(String message) {
        this(message, null, null);
    }

    /** The kernel's error number, when the failure came from the kernel. */
    public Optional<Errno> errno() {
        return Optional.ofNullable(errno);
    }
}
