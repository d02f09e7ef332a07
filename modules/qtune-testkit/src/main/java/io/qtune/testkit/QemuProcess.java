package io.qtune.testkit;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real QEMU for tests: paused ({@code -S}), with a QMP socket in a private temp dir, returned
 * once QEMU accepts a connection on it. KVM only where {@code /dev/kvm} exists and a KVM QEMU
 * stays up, TCG otherwise. Killed (by its pid) and its dir removed on close, and at JVM exit.
 */
public final class QemuProcess implements AutoCloseable {
  private static final String BINARY = "qemu-system-x86_64";
  private static volatile String accel;
  private final Process process;
  private final Path dir;
  private final Path socket;
  private final String acc;
  private final Thread hook;

  private QemuProcess(Process process, Path dir, Path socket, String acc) {
    this.process = process;
    this.dir = dir;
    this.socket = socket;
    this.acc = acc;
    this.hook = new Thread(this::destroy, "qtune-testkit-qemu-reaper");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** {@code -smp} as given, plus {@code -object iothread,id=iothreadN} for each id. */
  public static QemuProcess start(String smp, int... iothreads) {
    return start(smp, iothreadArgs(iothreads));
  }

  public static QemuProcess start(String smp, List<String> extra) {
    return startWith(accel(), smp, extra);
  }

  /** {@code -object iothread,id=iothreadN} for each id. */
  public static List<String> iothreadArgs(int... ids) {
    List<String> out = new ArrayList<>();
    for (int id : ids) {
      out.add("-object");
      out.add("iothread,id=iothread" + id);
    }
    return out;
  }

  /** The base command line qtune tests use (without -qmp and -S). */
  public static List<String> baseArgs(String smp) {
    return baseArgs(accel(), smp);
  }

  private static List<String> baseArgs(String acc, String smp) {
    return new ArrayList<>(List.of(BINARY, "-accel", acc, "-machine", "pc",
        "-smp", smp, "-m", "64", "-nodefaults", "-no-user-config", "-display", "none"));
  }

  /** With an explicit accelerator, e.g. {@code tcg,thread=single}. */
  public static QemuProcess startWith(String acc, String smp, List<String> extra) {
    Path dir;
    try {
      dir = Files.createTempDirectory("qtune-qemu-");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a temp dir for QEMU", e);
    }
    Path socket = dir.resolve("qmp.sock");
    Path log = dir.resolve("qemu.log");
    List<String> cmd = baseArgs(acc, smp);
    cmd.addAll(List.of("-S", "-name", "qtune-test,debug-threads=on",
        "-qmp", "unix:" + socket + ",server=on,wait=off"));
    cmd.addAll(extra);
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      deleteTree(dir);
      throw new IllegalStateException("cannot run " + BINARY + " (install qemu-system-x86)", e);
    }
    QemuProcess q = new QemuProcess(p, dir, socket, acc);
    long deadline = System.nanoTime() + TestTime.seconds(20).toNanos();
    // the socket file appears a moment before QEMU listens on it: wait until a connect succeeds
    while (!accepts(socket)) {
      if (!p.isAlive()) {
        String out = q.log();
        q.close();
        throw new IllegalStateException("QEMU (" + acc + ") exited: " + out);
      }
      if (System.nanoTime() > deadline) {
        q.close();
        throw new IllegalStateException("QEMU (" + acc + ") did not accept on " + socket + " within "
            + TestTime.seconds(20));
      }
      sleep(5);
    }
    return q;
  }

  /** True once something accepts a connection on the unix socket {@code socket}. */
  public static boolean accepts(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The accelerator every test QEMU gets: {@code kvm} or {@code tcg,thread=multi}. */
  public static synchronized String accel() {
    if (accel == null) {
      accel = probeAccel();
    }
    return accel;
  }

  private static String probeAccel() {
    if (Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm"))) {
      // QEMU opens its QMP socket before it gives up on a KVM it cannot use: alive a moment
      // after accepting is the proof
      try (QemuProcess q = startWith("kvm", "1", List.of())) {
        sleep(TestTime.of(java.time.Duration.ofMillis(300)).toMillis());
        if (q.isAlive()) {
          return "kvm";
        }
      } catch (RuntimeException e) {
        // fall through to TCG
      }
    }
    return "tcg,thread=multi";
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

  /** The accelerator this QEMU runs with. */
  public String accelerator() {
    return acc;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for QEMU to exit on its own (e.g. after {@code quit}). */
  public boolean awaitExit(long timeout, TimeUnit unit) throws InterruptedException {
    return process.waitFor(timeout, unit);
  }

  /** QEMU's stdout and stderr so far. */
  public String log() {
    try {
      return Files.readString(dir.resolve("qemu.log"));
    } catch (IOException e) {
      return "<no log: " + e.getMessage() + ">";
    }
  }

  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(TestTime.millis(10), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
    kill();
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // temp files only
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "QemuProcess[pid " + pid() + ", " + acc + ", " + socket + "]";
  }
}
