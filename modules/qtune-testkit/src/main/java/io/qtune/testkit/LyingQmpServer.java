package io.qtune.testkit;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A QMP server that lies: it answers the discovery commands with canned replies (for instance a
 * vCPU thread ID that belongs to another process), or, for one command, an error, no answer at all,
 * or a hang-up. It records every command it received. For faults a real QEMU won't produce only.
 */
public final class LyingQmpServer implements AutoCloseable {
  /** How the server answers one command. */
  public sealed interface Reply {
    /** {@code {"return": JSON}}. */
    record Ok(String json) implements Reply {}

    /** {@code {"error": {"class": ..., "desc": ...}}}. */
    record Error(String errorClass, String desc) implements Reply {}

    /** No answer, ever (the connection stays open): the client's command timeout fires. */
    record Stall() implements Reply {}

    /** The server closes the connection instead of answering. */
    record HangUp() implements Reply {}

    static Reply ok(String json) {
      return new Ok(json);
    }

    static Reply error(String errorClass, String desc) {
      return new Error(errorClass, desc);
    }

    static Reply stall() {
      return new Stall();
    }

    static Reply hangUp() {
      return new HangUp();
    }
  }

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\"[^\"]*\"|\\d+)");
  private static final Pattern EXEC = Pattern.compile("\"execute\"\\s*:\\s*\"([^\"]+)\"");

  private final ServerSocketChannel server;
  private final Path socket;
  private final Map<String, Reply> replies;
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final Thread thread;

  /** {@code replies}: command name → the JSON of its {@code return} member. */
  public LyingQmpServer(Path socket, Map<String, String> replies) throws IOException {
    this(replies.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> Reply.ok(e.getValue()))),
        socket);
  }

  /** {@code script}: command name → how to answer it; a command not in it is CommandNotFound. */
  public static LyingQmpServer scripted(Path socket, Map<String, Reply> script) throws IOException {
    return new LyingQmpServer(Map.copyOf(script), socket);
  }

  private LyingQmpServer(Map<String, Reply> replies, Path socket) throws IOException {
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

  /** The commands received so far, in order ({@code qmp_capabilities} included). */
  public List<String> received() {
    return List.copyOf(received);
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
          String idValue = null;
          while (id.find()) {
            idValue = id.group(1); // the last "id": the command's, not one inside its arguments
          }
          String idPart = idValue != null ? ", \"id\": " + idValue : "";
          String cmd = ex.find() ? ex.group(1) : "";
          received.add(cmd);
          Reply r = cmd.equals("qmp_capabilities") ? Reply.ok("{}") : replies.get(cmd);
          if (r == null) {
            send(out, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command " + cmd
                + " has not been found\"}" + idPart + "}");
          } else if (r instanceof Reply.Ok ok) {
            send(out, "{\"return\": " + ok.json() + idPart + "}");
          } else if (r instanceof Reply.Error err) {
            send(out, "{\"error\": {\"class\": \"" + err.errorClass() + "\", \"desc\": \"" + err.desc() + "\"}"
                + idPart + "}");
          } else if (r instanceof Reply.HangUp) {
            break;
          }
          // Stall: say nothing, keep reading
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
