package io.qtune.qmp.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The socket file descriptors of this JVM, from {@code /proc/self/fd} ({@code socket:[inode]}), to
 * assert that a failed or closed connection left no fd open: snapshot before, then wait until no
 * socket outside the snapshot remains. The QMP client exposes no fd of its own, so this is the one
 * check that sees a leak the client itself would not admit to.
 */
public final class OpenSockets {
  private static final Path FDS = Path.of("/proc/self/fd");

  private OpenSockets() {
  }

  /** The {@code socket:[inode]} entries of every open fd of this process. */
  public static Set<String> snapshot() {
    Set<String> sockets = new TreeSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(FDS)) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:")) {
            sockets.add(target);
          }
        } catch (IOException e) {
          // closed between listing and readlink (the directory stream's own fd, or a racing close)
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + FDS, e);
    }
    return sockets;
  }

  /** Sockets open now that were not in {@code before}, each with its /proc/net/unix line if any. */
  public static List<String> openedSince(Set<String> before) {
    Set<String> now = snapshot();
    now.removeAll(before);
    List<String> described = new ArrayList<>();
    for (String s : now) {
      described.add(s + describe(s));
    }
    return described;
  }

  // "Num RefCount Protocol Flags Type St Inode [Path]": a path marks a listening or accepted server
  // end, no path a client end, so a failure message says which side leaked.
  private static String describe(String socket) {
    String inode = socket.substring(socket.indexOf('[') + 1, socket.length() - 1);
    try {
      for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 7 && f[6].equals(inode)) {
          return f.length >= 8 ? " (unix, " + f[7] + ")" : " (unix, no path: a client end)";
        }
      }
    } catch (IOException e) {
      return "";
    }
    return " (not a unix socket)";
  }
}
