package io.qtune.cli;

import io.qtune.host.topology.HostTopology;
import picocli.CommandLine.Command;

/** The host's CPU topology (lscpu's layout); reads sysfs only. */
@Command(name = "topology", description = "Show the host CPU topology: logical CPUs, packages, cores per "
    + "package, threads per core, SMT, NUMA nodes with CPUs and memory, isolated CPUs.")
final class TopologyCommand extends VerbCommand {
  @Override
  void execute() {
    HostTopology t = session().topology();
    printer().result(() -> VirshText.topology(t), () -> JsonViews.topology(t));
  }
}
