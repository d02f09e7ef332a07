package io.qtune.cli;

import io.qtune.host.topology.HostTopology;
import picocli.CommandLine.Command;

/** virsh nodecpumap: reads sysfs only, never starts the control plane. */
@Command(name = "nodecpumap", description = "Show the host's present and online CPUs and virsh's CPU map.")
final class NodeCpuMapCommand extends VerbCommand {
  @Override
  void execute() {
    HostTopology t = session().topology();
    printer().result(() -> VirshText.nodeCpuMap(t), () -> JsonViews.nodeCpuMap(t));
  }
}
