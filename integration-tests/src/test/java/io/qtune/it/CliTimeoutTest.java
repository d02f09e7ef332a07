package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.it.QtuneCommand.Result;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --timeout SECONDS}: one deadline for all of a command's QMP exchanges. The peer is a QMP
 * server in this JVM that greets, accepts qmp_capabilities, then answers every command with half
 * a JSON object and nothing more (a real QEMU does not stall on demand). qtune takes the peer's pid
 * from SO_PEERCRED: this JVM, which is alive.
 */
class CliTimeoutTest {
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\"[^\"]*\"|\\d+)");

  @TempDir
  Path tmp;
  private Path socket;
  private ServerSocketChannel server;
  private Thread acceptor;
  private final List<SocketChannel> clients = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startStallingServer() throws IOException {
    socket = tmp.resolve("stall.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    acceptor = new Thread(() -> {
      while (server.isOpen()) {
        try {
          SocketChannel c = server.accept();
          clients.add(c);
          Thread t = new Thread(() -> serve(c), "stalling-qmp-client");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }, "stalling-qmp-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stopServer() throws Exception {
    server.close();
    for (SocketChannel c : clients) {
      c.close();
    }
    acceptor.join(60_000);
    Files.deleteIfExists(socket);
  }

  @Test
  void aStalledReplyFailsTheCommandAtTheDeadline() {
    long start = System.nanoTime();
    Result r = qtune("--timeout", "3").run("vcpuinfo");
    double elapsed = (System.nanoTime() - start) / 1e9;
    assertEquals(1, r.code(), r.toString());
    assertEquals("", r.out(), r.toString());
    assertTrue(r.err().startsWith("error: no answer from QEMU within --timeout 3 s (QMP socket " + socket + ")"),
        r.toString());
    // one deadline for the whole command, not one per QMP exchange (each was 30 s before)
    assertTrue(elapsed < 25, "took " + elapsed + " s\n" + r);
  }

  @Test
  void theTimeoutMayFollowTheVerb() {
    Result r = qtune().run("vcpupin", "--timeout=3");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains("within --timeout 3 s"), r.toString());
  }

  @Test
  void inTheShellEveryLineHasItsOwnDeadline() {
    long start = System.nanoTime();
    Result r = qtune("--timeout", "3").runWithInput("vcpuinfo\niothreadinfo\n", "shell");
    double elapsed = (System.nanoTime() - start) / 1e9;
    assertEquals(1, r.code(), r.toString());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(2, errors.size(), r.toString());
    for (String e : errors) {
      assertTrue(e.startsWith("error: no answer from QEMU within --timeout 3 s"), r.toString());
    }
    assertTrue(elapsed < 40, "took " + elapsed + " s\n" + r);
  }

  @Test
  void aTimeoutBelowOneSecondIsBadInput() {
    Result r = qtune("--timeout", "0").run("vcpuinfo");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().startsWith("error: --timeout must be at least 1 second"), r.toString());
  }

  private QtuneCommand qtune(String... more) {
    String[] globals = new String[4 + more.length];
    globals[0] = "--qmp";
    globals[1] = socket.toString();
    globals[2] = "--state-dir";
    globals[3] = tmp.resolve("state").toString();
    System.arraycopy(more, 0, globals, 4, more.length);
    return new QtuneCommand(globals);
  }

  /** Greeting, the qmp_capabilities reply, then half of every reply. */
  private static void serve(SocketChannel c) {
    try (c) {
      write(c, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
          + "\"package\": \"\"}, \"capabilities\": []}}\r\n");
      StringBuilder pending = new StringBuilder();
      ByteBuffer buf = ByteBuffer.allocate(4096);
      boolean negotiated = false;
      while (c.read(buf) >= 0) {
        buf.flip();
        pending.append(StandardCharsets.UTF_8.decode(buf));
        buf.clear();
        int nl;
        while ((nl = pending.indexOf("\n")) >= 0) {
          String line = pending.substring(0, nl);
          pending.delete(0, nl + 1);
          Matcher m = ID.matcher(line);
          String id = m.find() ? ", \"id\": " + m.group(1) : "";
          if (!negotiated) {
            negotiated = true;
            write(c, "{\"return\": {}" + id + "}\r\n");
          } else {
            write(c, "{\"return\": [{\"cpu-index\": 0, \"qom-path\": "); // and never the rest
          }
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static void write(SocketChannel c, String s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      c.write(b);
    }
  }
}
