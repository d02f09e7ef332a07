package io.qtune.daemon;

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
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A plain HTTP/1.1 client over a unix socket (the JDK's SocketChannel, no HTTP library): one
 * keep-alive connection, requests one after the other, what any manager in any language would
 * write. Also reads a chunked stream line by line for the event test.
 */
final class UnixHttp implements AutoCloseable {
  record Reply(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final SocketChannel channel;
  private final InputStream in;
  private final OutputStream out;

  UnixHttp(Path socket) throws IOException {
    channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(socket));
    in = new java.io.BufferedInputStream(Channels.newInputStream(channel));
    out = Channels.newOutputStream(channel);
  }

  static Reply once(Path socket, String method, String path, String body) throws IOException {
    try (UnixHttp h = new UnixHttp(socket)) {
      return h.send(method, path, body);
    }
  }

  Reply send(String method, String path, String body) throws IOException {
    writeRequest(method, path, body);
    return readReply();
  }

  void writeRequest(String method, String path, String body) throws IOException {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder req = new StringBuilder();
    req.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
    if (body != null) {
      req.append("Content-Type: application/json\r\n");
    }
    req.append("Content-Length: ").append(b.length).append("\r\n\r\n");
    out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(b);
    out.flush();
  }

  Reply readReply() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a reply");
    }
    int code = Integer.parseInt(status.split(" ")[1]);
    Map<String, String> headers = headers();
    String te = headers.get("transfer-encoding");
    if (te != null && te.contains("chunked")) {
      return new Reply(code, headers, null); // a stream: read with nextLine()
    }
    int len = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(len);
    return new Reply(code, headers, new String(body, StandardCharsets.UTF_8));
  }

  private final StringBuilder pending = new StringBuilder();

  /** The next NDJSON line of a chunked stream, or null at its end. */
  String nextLine() throws IOException {
    while (true) {
      int nl = pending.indexOf("\n");
      if (nl >= 0) {
        String l = pending.substring(0, nl);
        pending.delete(0, nl + 1);
        return l;
      }
      String size = line();
      if (size == null) {
        return null;
      }
      int n = Integer.parseInt(size.trim(), 16);
      if (n == 0) {
        return null;
      }
      pending.append(new String(in.readNBytes(n), StandardCharsets.UTF_8));
      line(); // the CRLF after the chunk
    }
  }

  private Map<String, String> headers() throws IOException {
    Map<String, String> h = new LinkedHashMap<>();
    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
      int c = l.indexOf(':');
      h.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    return h;
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
