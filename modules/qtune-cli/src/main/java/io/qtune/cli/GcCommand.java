package io.qtune.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** Remove the groups of VMs whose QEMU is gone. */
@Command(name = "gc", description = "Remove the cgroups (and state records) of VMs that no longer exist, "
    + "under --partition.")
final class GcCommand extends VerbCommand {
  @Override
  void execute() {
    List<String> removed = session().qtune().gc();
    printer().result(() -> {
      StringBuilder sb = new StringBuilder();
      removed.forEach(p -> sb.append("removed ").append(p).append('\n'));
      sb.append(removed.size()).append(removed.size() == 1 ? " group" : " groups").append(" removed\n");
      return sb.toString();
    }, () -> Map.of("removed", removed));
  }
}
