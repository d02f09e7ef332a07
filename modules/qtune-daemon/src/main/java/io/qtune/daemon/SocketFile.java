package io.qtune.daemon;

import io.qtune.core.QtuneException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalInt;

/**
 * The API socket's file: one daemon per path (an exclusive lock on {@code <socket>.lock}, held for
 * the daemon's life), a live socket never taken over (if someone answers on it, the daemon refuses
 * to start), a stale one (a socket nobody listens on) replaced, anything that is not a socket
 * (a regular file, a symbolic link) never touched. After bind: mode 0660 (or as configured), group {@code qtune}.
 */
final class SocketFile implements AutoCloseable {
  private final Path path;
  private final FileChannel lockFile;
  private final FileLock lock;

  private SocketFile(Path path, FileChannel lockFile, FileLock lock) {
    this.path = path;
    this.lockFile = lockFile;
    this.lock = lock;
  }

  /** Takes the path for this daemon, or throws saying who holds it. */
  static SocketFile claim(Path path) {
    Path lockPath = path.resolveSibling(path.getFileName() + ".lock");
    FileChannel ch = null;
    try {
      if (Files.isSymbolicLink(lockPath)) {
        throw new QtuneException(lockPath + " is a symbolic link; the daemon refuses it");
      }
      ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException held) {
        l = null; // held by another daemon in this very JVM (an embedder starting two)
      }
      if (l == null) {
        throw new QtuneException("another qtune daemon holds " + lockPath + " (serving " + path + ")");
      }
      SocketFile f = new SocketFile(path, ch, l);
      f.clearStale();
      return f;
    } catch (IOException e) {
      close(ch);
      throw new QtuneException("cannot claim " + path + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(ch);
      throw e;
    }
  }

  private void clearStale() throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & 0170000) != 0140000) {
      throw new QtuneException(path + " exists and is not a socket; the daemon leaves it alone: remove it or choose"
          + " another --socket");
    }
    if (answers(path)) {
      throw new QtuneException("another daemon answers on " + path + "; the daemon refuses to start");
    }
    Files.delete(path); // a socket nobody listens on: left by a daemon that was killed
  }

  static boolean answers(Path socket) {
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** After bind: {@code mode} (a permission string), and group {@code group} when it exists (else root's only). */
  void restrict(String mode, OptionalInt group, String groupName) throws IOException {
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    if (group.isPresent()) {
      GroupPrincipal g = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(groupName);
      Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(g);
    }
  }

  Path path() {
    return path;
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // the next daemon replaces a stale socket
    }
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    }
    close(lockFile);
  }

  private static void close(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
  }
}
