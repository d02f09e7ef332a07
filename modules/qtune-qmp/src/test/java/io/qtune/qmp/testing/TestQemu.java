package io.qtune.qmp.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real, paused ({@code -S}) QEMU for tests: {@code -smp 4 -m 128}, iothreads {@code iothread1}
 * and {@code iothread2}, QMP on a unique unix socket. KVM first, TCG if KVM does not start.
 * {@link #close()} kills it (by pid), waits, and deletes the socket and temp dir; a shutdown hook
 * does the same if the test JVM dies first.
 */
public final class TestQemu implements AutoCloseable {
  private static final String BINARY = "qemu-system-x86_64";

  private final Process process;
  private final Path dir;
  private final Path socket;
  private final String accel;
  private final Thread hook;

  private TestQemu(Process process, Path dir, Path socket, String accel) {
    this.process = process;
    this.dir = dir;
    this.socket = socket;
    this.accel = accel;
    this.hook = new Thread(this::destroy, "qtune-test-qemu-reaper");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts QEMU with the default test machine. */
  public static TestQemu start() {
    return start(List.of());
  }

  /** Starts QEMU with the default test machine plus {@code extraArgs}. */
  public static TestQemu start(List<String> extraArgs) {
    return start("4", extraArgs);
  }

  /** Starts QEMU with {@code -smp smp} (e.g. {@code 4,maxcpus=6}) plus {@code extraArgs}. */
  public static TestQemu start(String smp, List<String> extraArgs) {
    IOException last = null;
    String lastLog = "";
    // without /dev/kvm, QEMU creates the QMP socket and only then fails to start KVM: the socket
    // alone does not prove a live QEMU, so KVM is tried only where the device exists
    List<String> accels = Files.isReadable(Path.of("/dev/kvm")) ? List.of("kvm", "tcg,thread=multi")
        : List.of("tcg,thread=multi");
    for (String accel : accels) {
      Path dir;
      try {
        dir = Files.createTempDirectory("qtune-qmp-test-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path socket = dir.resolve("qmp.sock");
      Path log = dir.resolve("qemu.log");
      List<String> cmd = new ArrayList<>(List.of(BINARY, "-S", "-accel", accel, "-smp", smp, "-m", "128",
          "-nodefaults", "-display", "none",
          "-object", "iothread,id=iothread1", "-object", "iothread,id=iothread2",
          "-qmp", "unix:" + socket + ",server=on,wait=off"));
      cmd.addAll(extraArgs);
      Process p;
      try {
        p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      } catch (IOException e) {
        deleteTree(dir);
        throw new UncheckedIOException("cannot run " + BINARY + " (install qemu-system-x86)", e);
      }
      TestQemu qemu = new TestQemu(p, dir, socket, accel);
      if (qemu.awaitSocket()) {
        return qemu;
      }
      try {
        lastLog = Files.readString(log);
      } catch (IOException e) {
        last = e;
      }
      qemu.close();
    }
    throw new IllegalStateException("QEMU did not start with kvm nor tcg; last output: " + lastLog, last);
  }

  private boolean awaitSocket() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return false;
      }
      if (Files.exists(socket)) {
        return true;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  public Path socketPath() {
    return socket;
  }

  public long pid() {
    return process.pid();
  }

  /** {@code kvm} or {@code tcg,thread=multi}. */
  public String accel() {
    return accel;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for QEMU to exit on its own (e.g. after {@code quit}). */
  public boolean awaitExit(long timeout, TimeUnit unit) throws InterruptedException {
    return process.waitFor(timeout, unit);
  }

  @Override
  public void close() {
    destroy();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is running or ran
    }
  }

  private void destroy() {
    process.destroy(); // SIGTERM to this pid only
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }

  @Override
  public String toString() {
    return "TestQemu[pid " + pid() + ", " + accel + ", " + socket + "]";
  }
}
