package io.qtune.host;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Optional;

/**
 * The errno values the host module meets, with glibc's strerror text. Java reports kernel
 * errors from file I/O only as that text, so {@link #of(IOException)} maps it back.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    E2BIG(7, "Argument list too long"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    ERANGE(34, "Numerical result out of range"),
    ENOTEMPTY(39, "Directory not empty"),
    EOPNOTSUPP(95, "Operation not supported");

    private final int number;
    private final String text;

    Errno(int number, String text) {
        this.number = number;
        this.text = text;
    }

    /** The numeric value on Linux. */
    public int number() {
        return number;
    }

    /** glibc's strerror text. */
    public String text() {
        return text;
    }

    /** The errno with this number, if the module knows it. */
    public static Optional<Errno> ofNumber(int number) {
        for (Errno e : values()) {
            if (e.number == number) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Finds the errno whose strerror text appears in {@code message}. */
    public static Optional<Errno> ofText(String message) {
        if (message == null) {
            return Optional.empty();
        }
        for (Errno e : values()) {
            if (message.contains(e.text)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Recovers the errno behind a Java I/O exception (by type first, then by text). */
    public static Optional<Errno> of(IOException e) {
        if (e instanceof NoSuchFileException) {
            return Optional.of(ENOENT);
        }
        if (e instanceof AccessDeniedException) {
            return Optional.of(EACCES);
        }
        if (e instanceof FileAlreadyExistsException) {
            return Optional.of(EEXIST);
        }
        if (e instanceof DirectoryNotEmptyException) {
            return Optional.of(ENOTEMPTY);
        }
        if (e instanceof NotDirectoryException) {
            return Optional.of(ENOTDIR);
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            Optional<Errno> byReason = ofText(fse.getReason());
            if (byReason.isPresent()) {
                return byReason;
            }
        }
        return ofText(e.getMessage());
    }
}
