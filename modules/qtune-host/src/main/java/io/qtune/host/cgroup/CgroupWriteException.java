package io.qtune.host.cgroup;

import io.qtune.host.Errno;
import java.nio.file.Path;

/**
 * A write to a cgroup file (or a mkdir/rmdir of a group) failed. Names the file, the value,
 * the errno and what it means.
 */
public final class CgroupWriteException extends CgroupException {
    private final Path file;
    private final String value;

    CgroupWriteException(Path file, String value, Errno errno, String explanation, Throwable cause) {
        super("Unable to write '" + value + "' to '" + file + "': "
                + (errno == null ? "error" : errno.name() + " (" + errno.text() + ")")
                + (explanation == null ? "" : ": " + explanation), errno, cause);
        this.file = file;
        this.value = value;
    }

    /** The cgroup file (or directory for mkdir/rmdir). */
    public Path file() {
        return file;
    }

    /** The value written ({@code mkdir}/{@code rmdir} for directory operations). */
    public String value() {
        return value;
    }
}
