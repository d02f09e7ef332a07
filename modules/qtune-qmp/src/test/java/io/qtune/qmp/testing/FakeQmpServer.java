package io.qtune.qmp.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;

/**
 * A scripted, misbehaving QMP server on a jnr-unixsocket (a transport independent of the Netty
 * client under test). It accepts one connection and runs the {@link Script} on its own thread.
 */
public final class FakeQmpServer implements AutoCloseable {
  public static final String GREETING_OOB = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, "
      + "\"major\": 7}, \"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}";
  public static final String GREETING_NO_OOB = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, "
      + "\"major\": 7}, \"package\": \"fake\"}, \"capabilities\": []}}";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** What the server does with the accepted connection. */
  @FunctionalInterface
  public interface Script {
    void run(Conversation c) throws Exception;
  }

  private final Path dir;
  private final Path socket;
  private final UnixServerSocketChannel server;
  private final Thread thread;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private volatile Conversation conversation;

  private FakeQmpServer(Script script) throws IOException {
    dir = Files.createTempDirectory("qtune-qmp-fake-");
    socket = dir.resolve("qmp.sock");
    server = UnixServerSocketChannel.open();
    server.socket().bind(new UnixSocketAddress(socket.toFile()));
    thread = new Thread(() -> serve(script), "fake-qmp-server-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  public static FakeQmpServer start(Script script) {
    try {
      return new FakeQmpServer(script);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start fake QMP server", e);
    }
  }

  private void serve(Script script) {
    try (UnixSocketChannel ch = server.accept()) {
      conversation = new Conversation(ch);
      script.run(conversation);
      done.complete(null);
    } catch (Throwable e) {
      done.completeExceptionally(e);
    }
  }

  public Path socketPath() {
    return socket;
  }

  /** Completes when the script returns; exceptionally when it throws. */
  public CompletableFuture<Void> done() {
    return done;
  }

  /**
   * True once the accepted connection read EOF (or got a reset or EPIPE) because the <em>client</em>
   * closed its end. Only I/O done by the script counts, so the script must read to the end (e.g.
   * {@link Conversation#awaitEof()}); this server's own {@link #close()} and a script that closed
   * the connection itself never set it. The way to see, from the other side of the socket, that the
   * client really closed its fd rather than only marking itself closed.
   */
  public boolean sawClientClose() {
    Conversation c = conversation;
    return c != null && c.clientClosed;
  }

  /** True when the script closed the connection itself (the client's close is then unobservable). */
  public boolean closedByScript() {
    Conversation c = conversation;
    return c != null && c.closedByScript;
  }

  /** True while the server thread runs (to assert nothing leaks). */
  public boolean isRunning() {
    return thread.isAlive();
  }

  @Override
  public void close() throws IOException {
    Conversation c = conversation;
    if (c != null) {
      c.shutdown(); // wakes a script blocked in read
    } else if (thread.isAlive()) {
      // wake a blocked accept() with a throwaway connection
      try (SocketChannel wake = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        wake.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        // nothing listening any more
      }
      Conversation late = conversation;
      if (late != null) {
        late.shutdown();
      }
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    Files.deleteIfExists(socket);
    Files.deleteIfExists(dir);
    if (thread.isAlive()) {
      throw new IllegalStateException("fake QMP server thread did not stop");
    }
  }

  /** The server side of one connection; blocking reads and writes (safe from two threads). */
  public static final class Conversation {
    private final UnixSocketChannel ch;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();
    private volatile boolean shuttingDown; // our own close: the EOF it causes is not the client's
    private volatile boolean clientClosed;
    private volatile boolean closedByScript;

    Conversation(UnixSocketChannel ch) {
      this.ch = ch;
    }

    /** Next line without its terminator; {@code null} at EOF. */
    public String readLine() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        while (in.hasRemaining()) {
          byte b = in.get();
          if (b == '\n') {
            return line.toString(StandardCharsets.UTF_8).stripTrailing();
          }
          line.write(b);
        }
        in.clear();
        int n;
        try {
          n = ch.read(in);
        } catch (IOException e) { // ECONNRESET: the client closed with our data unread
          clientClosed = clientClosed || !shuttingDown;
          throw e;
        }
        in.flip();
        if (n < 0) {
          clientClosed = clientClosed || !shuttingDown;
          return null;
        }
      }
    }

    /** Next command as JSON; fails at EOF. */
    public JsonNode readCommand() throws IOException {
      String line = readLine();
      if (line == null) {
        throw new IOException("client closed the connection while the script expected a command");
      }
      return JSON.readTree(line);
    }

    /** Reads until the client closes (returns) or {@link #shutdown()} is called. */
    public void awaitEof() throws IOException {
      while (readLine() != null) {
        // discard
      }
    }

    /** Writes {@code line} and CRLF, as QEMU does. */
    public void send(String line) throws IOException {
      sendRaw((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    public synchronized void sendRaw(byte[] bytes) throws IOException {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      try {
        while (b.hasRemaining()) {
          ch.write(b);
        }
      } catch (IOException e) { // EPIPE: the client closed its end
        clientClosed = clientClosed || !shuttingDown;
        throw e;
      }
    }

    /** {@code {"return": returnJson, "id": <id of cmd>}}. */
    public void reply(JsonNode cmd, String returnJson) throws IOException {
      send("{\"return\": " + returnJson + ", \"id\": " + cmd.get("id") + "}");
    }

    public void error(JsonNode cmd, String errorClass, String desc) throws IOException {
      send("{\"error\": {\"class\": \"" + errorClass + "\", \"desc\": \"" + desc + "\"}, \"id\": " + cmd.get("id") + "}");
    }

    public void event(String name, String dataJson) throws IOException {
      send("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 42}, \"event\": \"" + name + "\""
          + (dataJson == null ? "" : ", \"data\": " + dataJson) + "}");
    }

    /** Sends {@code greeting}, answers {@code qmp_capabilities} and returns that command. */
    public JsonNode greet(String greeting) throws IOException {
      send(greeting);
      JsonNode caps = readCommand();
      if (!"qmp_capabilities".equals(caps.path("execute").asText())) {
        throw new IOException("expected qmp_capabilities, got " + caps);
      }
      reply(caps, "{}");
      return caps;
    }

    /** Closes the connection (the client sees EOF). */
    public void close() throws IOException {
      closedByScript = true;
      ch.close();
    }

    void shutdown() {
      shuttingDown = true;
      try {
        ch.shutdownInput();
        ch.shutdownOutput();
      } catch (IOException e) {
        // already closed
      }
    }
  }
}
