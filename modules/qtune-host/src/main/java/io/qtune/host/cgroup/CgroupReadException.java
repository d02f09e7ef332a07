package io.qtune.host.cgroup;

import io.qtune.host.Errno;
import java.nio.file.Path;

/** A cgroup file could not be read or did not hold what the kernel documents. */
public final class CgroupReadException extends CgroupException {
    private final Path file;

    CgroupReadException(Path file, String problem, Errno errno, Throwable cause) {
        super("Unable to read '" + file + "': " + problem, errno, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
