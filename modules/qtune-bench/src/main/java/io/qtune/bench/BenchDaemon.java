package io.qtune.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code ./qtune daemon} for the one-shot-through-the-daemon row: its own socket, state
 * directory and the bench's partition, one VM attached over the API. Closing destroys that VM
 * through the API (groups removed) and stops the daemon.
 */
final class BenchDaemon implements AutoCloseable {
  private final Process process;
  private final Path socket;
  private final String vm;

  private BenchDaemon(Process process, Path socket, String vm) {
    this.process = process;
    this.socket = socket;
    this.vm = vm;
  }

  static BenchDaemon start(Path repo, Path dir, String partition, Path qmp, String name) throws IOException {
    Files.createDirectories(dir);
    Path socket = dir.resolve("d.sock");
    Process p = new ProcessBuilder(repo.resolve("qtune").toString(), "daemon", "--socket", socket.toString(),
        "--state-dir", dir.resolve("state").toString(), "--partition", partition, "--metrics-listen", "none",
        "--drift-interval", "0").redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile()).start();
    BenchDaemon d = new BenchDaemon(p, socket, name);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (true) {
        if (!p.isAlive()) {
          throw new IllegalStateException("qtune daemon exited " + p.exitValue() + "; see " + dir.resolve("daemon.log"));
        }
        if (Files.exists(socket) && d.status("GET", "/v1/vms", null) == 200) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("qtune daemon did not answer on " + socket + " within 120 s");
        }
        Bench.sleep(20);
      }
      String body = "{\"qmp\": \"" + qmp + "\", \"spec\": {\"name\": \"" + name + "\"}}";
      int code = d.status("POST", "/v1/vms", body);
      if (code / 100 != 2) {
        throw new IllegalStateException("attach through the daemon answered " + code);
      }
      return d;
    } catch (IOException | RuntimeException e) {
      d.close();
      throw e;
    }
  }

  Path socket() {
    return socket;
  }

  Path stateDir() {
    return socket.resolveSibling("state");
  }

  /** One request on its own connection; the response's status code. */
  int status(String method, String path, String body) throws IOException {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        + (body == null ? "" : "Content-Type: application/json\r\n") + "Content-Length: " + b.length + "\r\n\r\n";
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer out = ByteBuffer.allocate(head.length() + b.length);
      out.put(head.getBytes(StandardCharsets.US_ASCII)).put(b).flip();
      while (out.hasRemaining()) {
        ch.write(out);
      }
      ByteArrayOutputStream in = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(8192);
      while (ch.read(buf.clear()) > 0) {
        in.write(buf.array(), 0, buf.position());
      }
      String resp = in.toString(StandardCharsets.UTF_8);
      String[] status = resp.split(" ", 3);
      if (status.length < 2 || !status[0].startsWith("HTTP/")) {
        throw new IOException("not an HTTP response: " + resp);
      }
      return Integer.parseInt(status[1]);
    }
  }

  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        status("DELETE", "/v1/vms/" + vm + "?destroy=true", null);
      }
    } catch (IOException | RuntimeException e) {
      Bench.log("daemon: destroying %s failed: %s", vm, e);
    }
    process.destroy(); // SIGTERM: the daemon stops, VMs stay (the one above is gone already)
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
