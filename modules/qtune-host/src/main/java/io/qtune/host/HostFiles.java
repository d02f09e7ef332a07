package io.qtune.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads small kernel text files (/proc, /sys) with typed errors. */
public final class HostFiles {
    private HostFiles() {
    }

    /** The file's text with the trailing newline removed. */
    public static String read(Path file) {
        try {
            return strip(Files.readString(file, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            Errno errno = Errno.of(e).orElse(null);
            throw new HostReadException(file, errno != null ? errno.text() : String.valueOf(e.getMessage()), errno, e);
        }
    }

    /** The file's text, or empty when it does not exist (or vanished, e.g. an exited thread). */
    public static Optional<String> readIfExists(Path file) {
        try {
            return Optional.of(strip(Files.readString(file, StandardCharsets.ISO_8859_1)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            Errno errno = Errno.of(e).orElse(null);
            if (errno == Errno.ESRCH || errno == Errno.ENOENT) {
                return Optional.empty();
            }
            throw new HostReadException(file, errno != null ? errno.text() : String.valueOf(e.getMessage()), errno, e);
        }
    }

    private static String strip(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Resolves an absolute host path (e.g. "/proc/self/mountinfo") below {@code root}. */
    public static Path under(Path root, String absolute) {
        String rel = absolute.startsWith("/") ? absolute.substring(1) : absolute;
        return rel.isEmpty() ? root : root.resolve(rel);
    }
}
