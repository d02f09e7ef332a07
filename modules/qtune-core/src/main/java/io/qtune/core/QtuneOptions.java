package io.qtune.core;

import io.qtune.qmp.QmpOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@link Qtune} instance sees the host.
 *
 * @param hostRoot where /proc and /sys are read from ("/" on a live host)
 * @param partition the cgroup partition VMs go under (libvirt's {@code /machine} by default)
 * @param suffix the domain group suffix (libvirt's {@code libvirt-qemu}), so tools that recognise
 *     libvirt VMs recognise qtune's
 * @param stateDir where launched and attached VMs are recorded for {@code --name}
 * @param reconcileInterval how often a VM this instance supervises (launched or attached) has its
 *     stray threads moved back ({@link Vm#reconcile()}); zero turns the periodic pass off
 */
public record QtuneOptions(Path hostRoot, String partition, String suffix, QmpOptions qmp,
    Path stateDir, int eventLoopThreads, Duration reconcileInterval) {

  /** Threads spawned after placement wait at most this long in their parent's group. */
  public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(5);

  public QtuneOptions {
    if (reconcileInterval == null || reconcileInterval.isNegative()) {
      throw new IllegalArgumentException("reconcileInterval must be zero (off) or positive, got " + reconcileInterval);
    }
  }

  public static QtuneOptions defaults() {
    return new QtuneOptions(Path.of("/"), "/machine", "libvirt-qemu", QmpOptions.defaults(),
        Path.of("/run/qtune"), 1, DEFAULT_RECONCILE_INTERVAL);
  }

  public QtuneOptions withReconcileInterval(Duration i) {
    return new QtuneOptions(hostRoot, partition, suffix, qmp, stateDir, eventLoopThreads, i);
  }

  public QtuneOptions withPartition(String p) {
    return new QtuneOptions(hostRoot, p, suffix, qmp, stateDir, eventLoopThreads, reconcileInterval);
  }

  public QtuneOptions withStateDir(Path d) {
    return new QtuneOptions(hostRoot, partition, suffix, qmp, d, eventLoopThreads, reconcileInterval);
  }

  public QtuneOptions withQmp(QmpOptions q) {
    return new QtuneOptions(hostRoot, partition, suffix, q, stateDir, eventLoopThreads, reconcileInterval);
  }
}
