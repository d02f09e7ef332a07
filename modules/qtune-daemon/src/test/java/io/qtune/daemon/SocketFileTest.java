package io.qtune.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.QtuneException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket path is taken only when nobody serves on it, and never when it is not a socket. */
class SocketFileTest {
  @TempDir Path dir;

  @Test
  void aRegularFileIsLeftAlone() throws Exception {
    Path p = dir.resolve("api.sock");
    Files.writeString(p, "mine");
    QtuneException e = assertThrows(QtuneException.class, () -> SocketFile.claim(p));
    assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
    assertEquals("mine", Files.readString(p));
  }

  @Test
  void aStaleSocketIsReplacedALiveOneRefused() throws Exception {
    Path p = dir.resolve("api.sock");
    try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      live.bind(UnixDomainSocketAddress.of(p));
      QtuneException e = assertThrows(QtuneException.class, () -> SocketFile.claim(p));
      assertTrue(e.getMessage().contains("another daemon answers on"), e.getMessage());
    }
    assertTrue(Files.exists(p), "closing a JDK server socket leaves its file: now stale");
    try (SocketFile f = SocketFile.claim(p)) {
      assertFalse(Files.exists(p), "the stale socket was removed for the new bind");
      QtuneException e = assertThrows(QtuneException.class, () -> SocketFile.claim(p));
      assertTrue(e.getMessage().contains("another qtune daemon holds"), e.getMessage());
    }
  }
}
