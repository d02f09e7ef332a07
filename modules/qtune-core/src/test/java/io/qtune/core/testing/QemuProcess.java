package io.qtune.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real QEMU for attach-mode tests: paused ({@code -S}), KVM when it starts, TCG otherwise, with a
 * QMP socket in a private temp dir. Killed and its socket removed on close (and at JVM exit).
 */
public final class QemuProcess implements AutoCloseable {
  private static volatile String accel;
  private final Process process;
  private final Path dir;
  private final Path socket;

  private QemuProcess(Process process, Path dir, Path socket) {
    this.process = process;
    this.dir = dir;
    this.socket = socket;
    Runtime.getRuntime().addShutdownHook(new Thread(this::close));
  }

  /** {@code -smp} as given, plus {@code -object iothread,id=iothreadN} for each id. */
  public static QemuProcess start(String smp, int... iothreads) {
    List<String> extra = new ArrayList<>();
    for (int id : iothreads) {
      extra.add("-object");
      extra.add("iothread,id=iothread" + id);
    }
    return start(smp, extra);
  }

  public static QemuProcess start(String smp, List<String> extra) {
    if (accel == null) {
      accel = probeAccel();
    }
    return startWith(accel, smp, extra);
  }

  /** The base command line qtune tests use (without -qmp and -S). */
  public static List<String> baseArgs(String smp) {
    if (accel == null) {
      accel = probeAccel();
    }
    return new ArrayList<>(List.of("qemu-system-x86_64", "-accel", accel, "-machine", "pc",
        "-smp", smp, "-m", "64", "-nodefaults", "-no-user-config", "-display", "none"));
  }

  /** With an explicit accelerator, e.g. {@code tcg,thread=single}. */
  public static QemuProcess startWith(String acc, String smp, List<String> extra) {
    try {
      Path dir = Files.createTempDirectory("qtune-qemu-");
      Path socket = dir.resolve("qmp.sock");
      List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", acc, "-machine", "pc",
          "-smp", smp, "-m", "64", "-nodefaults", "-no-user-config", "-display", "none", "-S",
          "-name", "qtune-test,debug-threads=on",
          "-qmp", "unix:" + socket + ",server=on,wait=off"));
      cmd.addAll(extra);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("qemu.log").toFile()).start();
      QemuProcess q = new QemuProcess(p, dir, socket);
      long deadline = System.nanoTime() + TestTime.seconds(20).toNanos();
      // the socket file appears a moment before QEMU listens on it: wait until a connect succeeds
      while (!accepts(socket)) {
        if (!p.isAlive()) {
          String log = Files.readString(dir.resolve("qemu.log"));
          q.close();
          throw new IllegalStateException("QEMU (" + acc + ") exited: " + log);
        }
        if (System.nanoTime() > deadline) {
          q.close();
          throw new IllegalStateException("QEMU did not create " + socket);
        }
        Thread.sleep(5);
      }
      return q;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean accepts(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      ch.connect(java.net.UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String probeAccel() {
    if (Files.isReadable(Path.of("/dev/kvm"))) {
      try (QemuProcess q = startWith("kvm", "1", List.of())) {
        return "kvm";
      } catch (RuntimeException e) {
        // fall through to TCG
      }
    }
    return "tcg,thread=multi";
  }

  public static String accel() {
    if (accel == null) {
      accel = probeAccel();
    }
    return accel;
  }

  public int pid() {
    return (int) process.pid();
  }

  public Path socket() {
    return socket;
  }

  public Process process() {
    return process;
  }

  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(TestTime.millis(10), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill();
    try {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir.resolve("qemu.log"));
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // temp files only
    }
  }
}
