package io.qtune.bench;

import io.qtune.testkit.QemuProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A paused ({@code -S}) QEMU with a QMP socket, started by the bench and killed by pid on close or
 * at JVM exit. Accelerator and readiness as in the tests' {@link QemuProcess} (qtune-testkit).
 */
public final class QemuVm implements AutoCloseable {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
  }

  private final Process process;
  private final Path socket;

  private QemuVm(Process process, Path socket) {
    this.process = process;
    this.socket = socket;
  }

  /** The base command line (no -S, no -qmp) for {@code smp} vCPUs and {@code memMb} of RAM. */
  public static List<String> args(int smp, int memMb, String name, int... iothreads) {
    List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", accel(), "-machine", "pc",
        "-smp", Integer.toString(smp), "-m", Integer.toString(memMb), "-nodefaults", "-no-user-config",
        "-display", "none", "-name", "guest=" + name + ",debug-threads=on"));
    for (int id : iothreads) {
      cmd.add("-object");
      cmd.add("iothread,id=iothread" + id);
    }
    return cmd;
  }

  /** Starts QEMU paused; returns once its QMP socket exists. */
  public static QemuVm start(Path dir, String name, int smp, int memMb, int... iothreads) {
    QemuVm vm = startAsync(dir, name, smp, memMb, iothreads);
    vm.awaitSocket();
    return vm;
  }

  /**
   * Starts {@code count} paused QEMUs named {@code prefix0..}, ten at a time (each batch waits for
   * its sockets before the next starts, so 2 cores are not swamped), and adds each to {@code into}
   * as it starts, so a caller's cleanup sees every one even if a later start fails.
   */
  public static void startMany(Path dir, String prefix, int count, int smp, int memMb, List<QemuVm> into,
      int... iothreads) {
    for (int i = 0; i < count; i += 10) {
      List<QemuVm> batch = new java.util.ArrayList<>();
      for (int k = i; k < Math.min(count, i + 10); k++) {
        QemuVm vm = startAsync(dir, prefix + k, smp, memMb, iothreads);
        batch.add(vm);
        into.add(vm);
      }
      batch.forEach(QemuVm::awaitSocket);
    }
  }

  /** Starts QEMU paused without waiting for the socket (for starting many at once). */
  public static QemuVm startAsync(Path dir, String name, int smp, int memMb, int... iothreads) {
    Path socket = dir.resolve(name + ".qmp");
    List<String> cmd = args(smp, memMb, name, iothreads);
    cmd.addAll(List.of("-S", "-qmp", "unix:" + socket + ",server=on,wait=off"));
    try {
      Files.deleteIfExists(socket);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve(name + ".log").toFile()).start();
      LIVE.add(p);
      return new QemuVm(p, socket);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start QEMU: " + e.getMessage(), e);
    }
  }

  /** Returns once QEMU accepts on its QMP socket (the file appears a moment before it listens). */
  public void awaitSocket() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!QemuProcess.accepts(socket)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("QEMU exited (" + process.exitValue() + "); see "
            + socket.resolveSibling(socket.getFileName().toString().replace(".qmp", ".log")));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("QEMU did not accept on " + socket + " within 60 s");
      }
      Bench.sleep(2);
    }
  }

  /** The tests' accelerator choice: KVM only where /dev/kvm exists and works, TCG otherwise. */
  static String accel() {
    return QemuProcess.accel();
  }

  public int pid() {
    return (int) process.pid();
  }

  public Path socket() {
    return socket;
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LIVE.remove(process);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // temp file
    }
  }
}
