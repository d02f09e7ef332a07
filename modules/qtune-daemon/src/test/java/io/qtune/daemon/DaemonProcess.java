package io.qtune.daemon;

import io.qtune.testkit.TestTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real daemon in a child JVM (the test's class path, {@code DaemonMain}), with its own socket and
 * state directory in a temp dir and the test's cgroup partition. The temp dir is 0711 so an
 * unprivileged client can reach the socket (mode 0666 here: readers allowed, changes refused).
 */
final class DaemonProcess implements AutoCloseable {
  final Path dir;
  final Path socket;
  final Path stateDir;
  private final String partition;
  /** {@code none}, or e.g. {@code 127.0.0.1:0} (the port bound is in the log). */
  String metricsListen = "none";
  /** Tests start fast (C1 only); the bench runs the daemon as ./qtune daemon does (tiered, C2). */
  String[] jvmOptions = {"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"};
  private Process process;
  private int starts;

  DaemonProcess(String partition) throws IOException {
    this.partition = partition;
    this.dir = Files.createTempDirectory("qd-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    this.socket = dir.resolve("api.sock");
    this.stateDir = dir.resolve("state");
    Runtime.getRuntime().addShutdownHook(new Thread(this::kill));
  }

  /** Starts the daemon and waits until it answers {@code GET /v1/daemon}. */
  DaemonProcess start(String... extra) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        jvmOptions[0], jvmOptions[1], "-cp", System.getProperty("java.class.path"),
        "io.qtune.daemon.DaemonMain", "--socket", socket.toString(), "--state-dir", stateDir.toString(),
        "--partition", partition, "--metrics-listen", metricsListen, "--socket-mode", "0666", "--drift-interval", "0"));
    cmd.addAll(List.of(extra));
    Path log = dir.resolve("daemon-" + (++starts) + ".log");
    process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TestTime.seconds(60).toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the daemon exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      if (Files.exists(socket)) {
        try {
          if (UnixHttp.once(socket, "GET", "/v1/daemon", null).status() == 200) {
            return this;
          }
        } catch (IOException e) {
          // not listening yet
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the daemon did not answer on " + socket + ": " + Files.readString(log));
      }
      Thread.sleep(20);
    }
  }

  /** The TCP port /metrics was bound to, from the daemon's start line. */
  int metricsPort() throws IOException {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("/metrics on /[^:]+:(\\d+)").matcher(log());
    if (!m.find()) {
      throw new IllegalStateException("no metrics listener in the log: " + log());
    }
    return Integer.parseInt(m.group(1));
  }

  long pid() {
    return process.pid();
  }

  String log() throws IOException {
    return Files.readString(dir.resolve("daemon-" + starts + ".log"));
  }

  /** SIGKILL: no shutdown hook runs, the socket file stays behind (stale). */
  void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  UnixHttp.Reply call(String method, String path, String body) throws IOException {
    return UnixHttp.once(socket, method, path, body);
  }

  @Override
  public void close() throws IOException {
    kill();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
