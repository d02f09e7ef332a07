package io.qtune.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for {@code qtune daemon} on a unix socket, for wiring only: answers each
 * "METHOD /path" with a canned status and body shaped as docs/api/openapi.yaml says, records every
 * request, serves keep-alive connections. The real daemon is tested end to end elsewhere.
 */
final class CannedDaemon implements AutoCloseable {
  record Request(String method, String path, String body) {}

  record Answer(int status, String contentType, String body) {
    static Answer json(int status, String body) {
      return new Answer(status, "application/json", body);
    }

    static Answer problem(int status, String kind, String detail) {
      return new Answer(status, "application/problem+json", "{\"type\":\"urn:qtune:problem:" + kind
          + "\",\"title\":\"" + kind + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}");
    }

    static Answer noContent() {
      return new Answer(204, "", "");
    }
  }

  private final Path socket;
  private final ServerSocketChannel server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  CannedDaemon(Path socket, String stateDir) throws IOException {
    this.socket = socket;
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    answer("GET", "/v1/daemon", Answer.json(200, "{\"pid\":1,\"version\":\"test\",\"socket\":\"" + socket
        + "\",\"state_dir\":\"" + stateDir + "\",\"vms\":1,\"event_seq\":0}"));
    acceptor = new Thread(this::accept, "canned-daemon");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  CannedDaemon answer(String method, String path, Answer a) {
    answers.put(method + " " + path, a);
    return this;
  }

  Path socket() {
    return socket;
  }

  private void accept() {
    while (server.isOpen()) {
      try {
        SocketChannel c = server.accept();
        Thread t = new Thread(() -> serve(c), "canned-daemon-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(SocketChannel c) {
    try (c) {
      InputStream in = new BufferedInputStream(Channels.newInputStream(c));
      OutputStream out = Channels.newOutputStream(c);
      while (true) {
        String start = line(in);
        if (start == null) {
          return;
        }
        int length = 0;
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
          if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(h.substring(15).trim());
          }
        }
        String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        String[] p = start.split(" ");
        requests.add(new Request(p[0], p[1], body));
        Answer a = answers.getOrDefault(p[0] + " " + p[1], Answer.problem(404, "not-found", "no route " + p[1]));
        byte[] b = a.body().getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("HTTP/1.1 " + a.status() + " X\r\n");
        if (!a.contentType().isEmpty()) {
          h.append("Content-Type: ").append(a.contentType()).append("\r\n");
        }
        if (a.status() != 204) {
          h.append("Content-Length: ").append(b.length).append("\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c >= 0; c = in.read()) {
      if (c == '\n') {
        return b.toString().replace("\r", "");
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(socket);
  }
}
