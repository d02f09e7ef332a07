package io.qtune.host;

import java.nio.file.Path;

/** A file under /proc or /sys could not be read or did not have the expected format. */
public class HostReadException extends HostException {
    private final Path file;

    public HostReadException(Path file, String problem, Errno errno, Throwable cause) {
        super("Cannot read '" + file + "': " + problem, errno, cause);
        this.file = file;
    }

    public HostReadException(Path file, String problem) {
        this(file, problem, null, null);
    }

    /** The file that failed. */
    public Path file() {
        return file;
    }
}
