package io.qtune.bench;

import io.qtune.qmp.QmpClient;
import io.qtune.qmp.QmpEventLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The QMP round trip as a JMH microbenchmark (optional: {@code bench/run --jmh}): qtune's client
 * joined from the caller against the blocking JDK client, one fresh paused QEMU per trial. The
 * main table comes from {@link Bench}, which interleaves all clients on one QEMU.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class QmpRoundTripJmh {
  private Path dir;
  private QemuVm qemu;
  private QmpEventLoop loop;
  private QmpClient qtune;
  private RawQmpClient raw;

  @Setup(Level.Trial)
  public void start() throws IOException {
    dir = Files.createTempDirectory("qtune-bench-jmh-");
    qemu = QemuVm.start(dir, "jmh", 1, 64);
    loop = QmpEventLoop.create(1);
  }

  @Setup(Level.Iteration)
  public void connect() throws IOException {
    // QMP serves one client at a time: each benchmark method gets its own connection per iteration
    qtune = null;
    raw = null;
  }

  @TearDown(Level.Iteration)
  public void disconnect() throws IOException {
    if (qtune != null) {
      qtune.close();
    }
    if (raw != null) {
      raw.close();
    }
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    loop.close();
    qemu.close();
    Files.deleteIfExists(dir.resolve("jmh.log"));
    Files.deleteIfExists(dir);
  }

  @Benchmark
  public Object qtuneJoin() {
    if (qtune == null) {
      qtune = QmpClient.connect(loop, qemu.socket()).join();
    }
    return qtune.execute("query-status").join();
  }

  @Benchmark
  public Object jdkBlocking() throws IOException {
    if (raw == null) {
      raw = new RawQmpClient(qemu.socket());
    }
    return raw.execute("query-status");
  }
}
