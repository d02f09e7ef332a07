package io.qtune.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * HTTP/1.1 to {@code qtune daemon} over its unix socket, one keep-alive connection, blocking: the
 * JDK's {@link SocketChannel} and nothing else (no Netty, no Jackson), so that a one-shot command
 * through the daemon starts fast. Answers from a daemon run by another user than root or the
 * caller are refused (SO_PEERCRED): a socket anyone could have put there is not trusted.
 */
final class DaemonClient implements AutoCloseable {

  /** A response: status, content type (lower case, without parameters) and body text. */
  record Response(int status, String contentType, String body) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    boolean problem() {
      return contentType.equals("application/problem+json");
    }
  }

  private static final int MAX_BODY = 16 << 20;

  private final Path socket;
  private final SocketChannel channel;
  private final InputStream in;
  private final OutputStream out;
  private final Thread watchdog;
  private volatile boolean timedOut;
  private volatile long deadline;
  private volatile int timeoutSeconds;

  private DaemonClient(Path socket, SocketChannel channel, Duration timeout) {
    this.socket = socket;
    this.channel = channel;
    this.in = new BufferedInputStream(Channels.newInputStream(channel), 8192);
    this.out = Channels.newOutputStream(channel);
    deadline(timeout, (int) Math.max(1, timeout.toSeconds()));
    // blocking unix channels have no read timeout: closing the channel at the deadline ends a stalled read
    this.watchdog = new Thread(this::watch, "qtune-daemon-deadline");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Moves the deadline: {@code left} from now (each command of the shell has its own). */
  void deadline(Duration left, int seconds) {
    this.timeoutSeconds = seconds;
    this.deadline = System.nanoTime() + left.toNanos();
  }

  private void watch() {
    try {
      long left;
      while ((left = deadline - System.nanoTime()) > 0) {
        Thread.sleep(Math.max(1, left / 1_000_000));
      }
      timedOut = true;
      channel.close();
    } catch (InterruptedException | IOException e) {
      // closed first: nothing to cut off
    }
  }

  /**
   * Connects to the daemon at {@code socket}; {@link DaemonUnavailableException} when nothing
   * listens there. {@code timeout} bounds the whole conversation.
   */
  static DaemonClient connect(Path socket, Duration timeout) {
    SocketChannel ch;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      throw new DaemonUnavailableException(socket, e.getMessage());
    }
    try {
      ch.connect(UnixDomainSocketAddress.of(socket));
      UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
      String user = peer.user().getName();
      if (!user.equals("root") && !user.equals(System.getProperty("user.name"))) {
        throw new DaemonUnavailableException(socket, "served by user " + user + ", neither root nor "
            + System.getProperty("user.name") + ": not trusted");
      }
      return new DaemonClient(socket, ch, timeout);
    } catch (IOException | RuntimeException e) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing was sent
      }
      if (e instanceof DaemonUnavailableException d) {
        throw d;
      }
      throw new DaemonUnavailableException(socket, e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  Path socket() {
    return socket;
  }

  /** One request on the connection; {@code json} is the body or null. */
  Response send(String method, String path, String json) {
    if (timedOut) {
      throw new DeadlineException("no answer from the qtune daemon within --timeout " + timeoutSeconds
          + " s (socket " + socket + ")");
    }
    try {
      byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
      StringBuilder h = new StringBuilder(160);
      h.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n")
          .append("User-Agent: qtune-cli\r\nAccept: application/json\r\n");
      if (json != null) {
        h.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
      }
      h.append("\r\n");
      out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return read();
    } catch (IOException e) {
      if (timedOut) {
        throw new DeadlineException("no answer from the qtune daemon within --timeout " + timeoutSeconds
            + " s (socket " + socket + ")");
      }
      throw new DaemonProtocolException(socket, method + " " + path + ": " + e.getMessage());
    }
  }

  private Response read() throws IOException {
    String status = line();
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP response: '" + status + "'");
    }
    int code;
    try {
      code = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("bad status line: '" + status + "'");
    }
    long length = -1;
    boolean chunked = false;
    String type = "";
    for (String l = line(); !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      if (colon <= 0) {
        throw new IOException("bad header line: '" + l + "'");
      }
      String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = l.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "content-type" -> type = value.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        default -> { }
      }
    }
    byte[] body;
    if (chunked) {
      body = chunks();
    } else if (length >= 0) {
      if (length > MAX_BODY) {
        throw new IOException("response of " + length + " bytes is too large");
      }
      body = in.readNBytes((int) length);
      if (body.length != length) {
        throw new IOException("connection closed in the body");
      }
    } else if (code == 204 || code == 304) {
      body = new byte[0];
    } else {
      throw new IOException("response without Content-Length");
    }
    return new Response(code, type, new String(body, StandardCharsets.UTF_8));
  }

  private byte[] chunks() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (true) {
      String size = line().split(";", 2)[0].trim();
      int n = Integer.parseInt(size, 16);
      if (n == 0) {
        while (!line().isEmpty()) {
          // trailers: ignored
        }
        return b.toByteArray();
      }
      if (b.size() + n > MAX_BODY) {
        throw new IOException("response too large");
      }
      byte[] c = in.readNBytes(n);
      if (c.length != n) {
        throw new IOException("connection closed in a chunk");
      }
      b.write(c);
      line();
    }
  }

  private String line() throws IOException {
    StringBuilder b = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed by the daemon");
      }
      if (c == '\n') {
        int n = b.length();
        return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
      }
      if (b.length() > 8192) {
        throw new IOException("header line too long");
      }
      b.append((char) c);
    }
  }

  @Override
  public void close() {
    watchdog.interrupt();
    try {
      channel.close();
    } catch (IOException e) {
      // closing is best effort
    }
  }
}
