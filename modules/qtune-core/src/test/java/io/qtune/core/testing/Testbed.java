package io.qtune.core.testing;

import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * What most library tests stand on: a cgroup partition of their own, one paused QEMU and one
 * {@link Qtune} on that partition and a state directory ({@link TestOptions#options()}). Closed in
 * reverse order (Qtune, QEMU, partition), each even when the one before failed; a start that fails
 * halfway closes what it made.
 */
public final class Testbed implements AutoCloseable {
  private final CgroupSandbox sandbox;
  private final QemuProcess qemu;
  private final Qtune qtune;

  private Testbed(CgroupSandbox sandbox, QemuProcess qemu, Qtune qtune) {
    this.sandbox = sandbox;
    this.qemu = qemu;
    this.qtune = qtune;
  }

  /** A partition named after {@code owner}, QEMU with {@code -smp smp} and {@code iothreads}. */
  public static Testbed start(String owner, Path stateDir, String smp, int... iothreads) {
    return start(owner, stateDir, UnaryOperator.identity(), smp, iothreads);
  }

  /** The same with {@code options} changing qtune's test options (partition and state dir set). */
  public static Testbed start(String owner, Path stateDir, UnaryOperator<QtuneOptions> options, String smp,
      int... iothreads) {
    CgroupSandbox sandbox = new CgroupSandbox(owner);
    QemuProcess qemu = null;
    try {
      qemu = QemuProcess.start(smp, iothreads);
      Qtune qtune = Qtune.create(options.apply(TestOptions.options().withPartition(sandbox.partition())
          .withStateDir(stateDir)));
      return new Testbed(sandbox, qemu, qtune);
    } catch (RuntimeException | Error e) {
      try {
        if (qemu != null) {
          qemu.close();
        }
      } finally {
        sandbox.close();
      }
      throw e;
    }
  }

  public CgroupSandbox sandbox() {
    return sandbox;
  }

  public QemuProcess qemu() {
    return qemu;
  }

  public Qtune qtune() {
    return qtune;
  }

  @Override
  public void close() {
    try {
      qtune.close();
    } finally {
      try {
        qemu.close();
      } finally {
        sandbox.close();
      }
    }
  }
}
