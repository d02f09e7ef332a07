package io.qtune.core.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A QMP server that lies: it answers the discovery commands with canned replies (for instance a
 * vCPU thread ID that belongs to another process). For faults a real QEMU won't produce only.
 */
public final class LyingQmpServer implements AutoCloseable {
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\"[^\"]*\"|\\d+)");
  private static final Pattern EXEC = Pattern.compile("\"execute\"\\s*:\\s*\"([^\"]+)\"");

  private final ServerSocketChannel server;
  private final Path socket;
  private final Map<String, String> replies;
  private final Thread thread;

  /** {@code replies}: command name → the JSON of its {@code return} member. */
  public LyingQmpServer(Path socket, Map<String, String> replies) throws IOException {
    this.socket = socket;
    this.replies = replies;
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    thread = new Thread(this::serve, "lying-qmp");
    thread.setDaemon(true);
    thread.start();
  }

  public Path socket() {
    return socket;
  }

  private void serve() {
    while (server.isOpen()) {
      try (SocketChannel c = server.accept()) {
        OutputStream out = Channels.newOutputStream(c);
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
            StandardCharsets.UTF_8));
        send(out, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
            + "\"package\": \"lying\"}, \"capabilities\": []}}");
        for (String line; (line = in.readLine()) != null; ) {
          Matcher id = ID.matcher(line);
          Matcher ex = EXEC.matcher(line);
          String idPart = id.find() ? ", \"id\": " + id.group(1) : "";
          String cmd = ex.find() ? ex.group(1) : "";
          String ret = cmd.equals("qmp_capabilities") ? "{}" : replies.get(cmd);
          if (ret == null) {
            send(out, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command " + cmd
                + " has not been found\"}" + idPart + "}");
          } else {
            send(out, "{\"return\": " + ret + idPart + "}");
          }
        }
      } catch (IOException e) {
        // closed
      }
    }
  }

  private static void send(OutputStream out, String json) throws IOException {
    out.write((json + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(socket);
  }
}
