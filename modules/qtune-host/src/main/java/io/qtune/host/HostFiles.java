package io.qtune.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** Reads small kernel text files (/proc, /sys) with typed errors. */
public final class HostFiles {
    private HostFiles() {
    }

    /** The file's text with the trailing newline removed. */
    public static String read(Path file) {
        try {
            return strip(slurp(file, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            Errno errno = Errno.of(e).orElse(null);
            throw new HostReadException(file, errno != null ? errno.text() : String.valueOf(e.getMessage()), errno, e);
        }
    }

    /** The file's text, or empty when it does not exist (or vanished, e.g. an exited thread). */
    public static Optional<String> readIfExists(Path file) {
        try {
            return Optional.of(strip(slurp(file, StandardCharsets.ISO_8859_1)));
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

    /**
     * A small kernel file in as few system calls as it allows: open, read until EOF, close.
     * ({@code Files.readString} adds an fstat and a one-byte probe read, because kernel files report
     * size 0; on a live operation's path that is a third of the syscalls.)
     */
    public static String slurp(Path file, Charset charset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (ch.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    buf = ByteBuffer.allocate(buf.capacity() * 2).put(buf.flip());
                }
            }
            return new String(buf.array(), 0, buf.position(), charset);
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
