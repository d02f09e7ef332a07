package io.qtune.cli;

import io.qtune.core.VcpuInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** virsh setvcpus COUNT --live: hotplug vCPUs (device_add) and place each new thread. */
@Command(name = "setvcpus", description = "Hotplug vCPUs up to COUNT (at most -smp maxcpus) and place them.")
final class SetVcpusCommand extends VerbCommand {
  @Parameters(index = "0", paramLabel = "COUNT", description = "the number of vCPUs wanted online")
  int count;

  @Override
  void execute() {
    List<VcpuInfo> after = await(vm().vcpus().setCount(count));
    printer().result(() -> "", () -> JsonViews.vcpuInfo(after));
  }
}
