package io.qtune.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Item 3 through the CLI: {@code ./qtune vcpupin} as one process per operation (what an operator
 * or a shell script pays: JVM start, connect, discovery, the pin), and inside one
 * {@code ./qtune shell} (one JVM and one QMP connection for many lines; per-line cost = the
 * difference between a shell of N lines and an empty shell, divided by N).
 */
final class CliBench {
  /**
   * @param oneShot {@code ./qtune --direct} one process per pin
   * @param viaDaemon the same verb through {@code ./qtune daemon}'s socket (null: the daemon is not built)
   * @param jvmFloor {@code java -version} with the launcher's flags: the JVM start no Java CLI can beat
   */
  record Result(Sample oneShot, Sample shellPerLine, Sample shellEmpty, Sample viaDaemon, Sample jvmFloor) {}

  private final Path repo;
  private final Path dir;
  private final String partition;
  private final int ncpu;
  private final boolean quick;

  CliBench(Path repo, Path dir, String partition, int ncpu, boolean quick) {
    this.repo = repo;
    this.dir = dir;
    this.partition = partition;
    this.ncpu = ncpu;
    this.quick = quick;
  }

  Result run() throws IOException, InterruptedException {
    Path state = Files.createDirectories(dir.resolve("cli-state"));
    Path daemonJar = daemonJar();
    try (QemuVm qemu = QemuVm.start(dir, "cli", 2, 64, 1);
        QemuVm dq = daemonJar == null ? null : QemuVm.start(dir, "clid", 2, 64, 1);
        BenchDaemon daemon = daemonJar == null ? null
            : BenchDaemon.start(repo, dir.resolve("daemon"), partition, dq.socket(), "clid")) {
      // --direct: a daemon at the default socket must not turn this row into the daemon's
      List<String> base = List.of(repo.resolve("qtune").toString(), "--direct", "--qmp", qemu.socket().toString(),
          "--partition", partition, "--state-dir", state.toString());
      List<String> viaDaemon = daemon == null ? null
          : List.of(repo.resolve("qtune").toString(), "--socket", daemon.socket().toString(), "--state-dir",
              daemon.stateDir().toString(), "--name", "clid"); // the daemon serves a command of its own state dir
      List<String> floor = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-version");
      String last = String.valueOf(ncpu - 1);
      exec(base, List.of("vcpupin", "0", last), null); // places the VM (first live op) and warms the page cache
      if (viaDaemon != null) {
        exec(viaDaemon, List.of("vcpupin", "0", last), null);
      }
      int oneShots = quick ? 5 : 20;
      List<Long> one = new ArrayList<>();
      List<Long> through = new ArrayList<>();
      List<Long> jvm = new ArrayList<>();
      for (int i = 0; i < oneShots; i++) {
        // in turns, so a change of the machine's load touches all three alike
        List<String> pin = List.of("vcpupin", "0", i % 2 == 0 ? "0" : last);
        one.add(exec(base, pin, null));
        if (viaDaemon != null) {
          through.add(exec(viaDaemon, pin, null));
        }
        jvm.add(exec(floor, List.of(), null));
      }
      int lines = quick ? 50 : 500;
      StringBuilder script = new StringBuilder();
      for (int i = 0; i < lines; i++) {
        script.append("vcpupin 0 ").append(i % 2 == 0 ? "0" : last).append('\n');
      }
      List<Long> perLine = new ArrayList<>();
      List<Long> empty = new ArrayList<>();
      for (int r = 0; r < (quick ? 2 : 5); r++) {
        long e = exec(base, List.of("shell"), "");
        long full = exec(base, List.of("shell"), script.toString());
        empty.add(e);
        perLine.add(Math.max(0, (full - e) / lines));
      }
      return new Result(Sample.of(one), Sample.of(perLine), Sample.of(empty),
          through.isEmpty() ? null : Sample.of(through), Sample.of(jvm));
    }
  }

  private Path daemonJar() throws IOException {
    Path target = repo.resolve("modules/qtune-daemon/target");
    if (!Files.isDirectory(target)) {
      return null;
    }
    try (var s = Files.list(target)) {
      return s.filter(p -> p.getFileName().toString().matches("qtune-daemon-.*\\.jar")).findFirst().orElse(null);
    }
  }

  private long exec(List<String> base, List<String> args, String stdin) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(base);
    cmd.addAll(args);
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("exec.out").toFile()).start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("./qtune " + args + " did not finish in 120 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(cmd + " exited " + p.exitValue() + ": " + Files.readString(dir.resolve("exec.out")));
    }
    return System.nanoTime() - t0;
  }
}
