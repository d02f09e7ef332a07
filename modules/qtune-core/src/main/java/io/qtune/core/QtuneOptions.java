package io.qtune.core;

import io.qtune.qmp.QmpOptions;
import java.nio.file.Path;

/**
 * How a {@link Qtune} instance sees the host.
 *
 * @param hostRoot where /proc and /sys are read from ("/" on a live host)
 * @param partition the cgroup partition VMs go under (libvirt's {@code /machine} by default)
 * @param suffix the domain group suffix (libvirt's {@code libvirt-qemu}), so tools that recognise
 *     libvirt VMs recognise qtune's
 * @param stateDir where launched and attached VMs are recorded for {@code --name}
 */
public record QtuneOptions(Path hostRoot, String partition, String suffix, QmpOptions qmp,
    Path stateDir, int eventLoopThreads) {

  public static QtuneOptions defaults() {
    return new QtuneOptions(Path.of("/"), "/machine", "libvirt-qemu", QmpOptions.defaults(),
        Path.of("/run/qtune"), 1);
  }

  public QtuneOptions withPartition(String p) {
    return new QtuneOptions(hostRoot, p, suffix, qmp, stateDir, eventLoopThreads);
  }

  public QtuneOptions withStateDir(Path d) {
    return new QtuneOptions(hostRoot, partition, suffix, qmp, d, eventLoopThreads);
  }

  public QtuneOptions withQmp(QmpOptions q) {
    return new QtuneOptions(hostRoot, partition, suffix, q, stateDir, eventLoopThreads);
  }
}
