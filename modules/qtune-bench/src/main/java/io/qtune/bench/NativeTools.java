package io.qtune.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The C baselines: compiled with gcc from the module's resources into {@code out} at bench time. */
public final class NativeTools {
  private final Path qmpc;
  private final Path tunefloor;

  private NativeTools(Path qmpc, Path tunefloor) {
    this.qmpc = qmpc;
    this.tunefloor = tunefloor;
  }

  public static NativeTools build(Path out) {
    try {
      Files.createDirectories(out);
      return new NativeTools(compile(out, "qmpc"), compile(out, "tunefloor"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot build the C baselines in " + out + ": " + e.getMessage(), e);
    }
  }

  private static Path compile(Path out, String name) throws IOException {
    Path src = out.resolve(name + ".c");
    try (InputStream in = NativeTools.class.getResourceAsStream("/c/" + name + ".c")) {
      if (in == null) {
        throw new IOException("resource /c/" + name + ".c is missing");
      }
      Files.copy(in, src, StandardCopyOption.REPLACE_EXISTING);
    }
    Path bin = out.resolve(name);
    String r = run(List.of("gcc", "-O2", "-Wall", "-o", bin.toString(), src.toString()));
    if (!Files.isExecutable(bin)) {
      throw new IOException("gcc failed for " + name + ": " + r);
    }
    return bin;
  }

  /** Runs a command, returns its stdout; fails with its stderr when it exits non-zero. */
  static String run(List<String> cmd) {
    try {
      Path err = Files.createTempFile("qtune-bench-err", ".txt");
      try {
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException("timed out: " + cmd);
        }
        if (p.exitValue() != 0) {
          throw new IllegalStateException(cmd.get(0) + " exited " + p.exitValue() + ": " + Files.readString(err));
        }
        return new String(out, StandardCharsets.UTF_8);
      } finally {
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code n} sequential query-status round trips after {@code warmup}, ns each. */
  public long[] roundTrips(Path socket, int warmup, int n) {
    return run(List.of(qmpc.toString(), "rtt", socket.toString(), Integer.toString(warmup), Integer.toString(n)))
        .lines().mapToLong(Long::parseLong).toArray();
  }

  /** Wall time in ns for {@code n} query-status with {@code window} in flight. */
  public long pipelined(Path socket, int window, int n) {
    return Long.parseLong(run(List.of(qmpc.toString(), "pipe", socket.toString(), Integer.toString(window),
        Integer.toString(n))).strip());
  }

  /** ns from fork+exec of QEMU to the end of its QMP greeting (QEMU is then killed). */
  /** ns from QEMU's exec to its QMP greeting, and to {@code cont} answered after {@code qmp_capabilities}. */
  public long[] launchFloors(Path socket, List<String> qemuArgs) {
    List<String> cmd = new ArrayList<>(List.of(qmpc.toString(), "launch", socket.toString()));
    cmd.addAll(qemuArgs);
    String[] f = run(cmd).strip().split(" ");
    return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
  }

  /** The floor for tuning one VM; returns {total, qmp, cgroup, affinity} in ns. */
  public long[] tuneFloor(String partitionDir, String domainDir, Path socket, int idleMs, long period, long quota) {
    String out = run(List.of(tunefloor.toString(), "/sys/fs/cgroup", partitionDir, domainDir, socket.toString(),
        Integer.toString(idleMs), Long.toString(period), Long.toString(quota)));
    String[] f = out.strip().split(" ");
    long[] r = new long[f.length];
    for (int i = 0; i < f.length; i++) {
      r[i] = Long.parseLong(f[i]);
    }
    return r;
  }
}
