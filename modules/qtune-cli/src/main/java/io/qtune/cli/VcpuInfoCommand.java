package io.qtune.cli;

import io.qtune.core.VcpuInfo;
import java.util.List;
import picocli.CommandLine.Command;

/** virsh vcpuinfo. */
@Command(name = "vcpuinfo", description = "Show each vCPU: host CPU it last ran on, state, CPU time, affinity.")
final class VcpuInfoCommand extends VerbCommand {
  @Override
  void execute() {
    List<VcpuInfo> info = await(vm().vcpus().info());
    printer().result(() -> VirshText.vcpuInfo(info, hostCpus()), () -> JsonViews.vcpuInfo(info));
  }
}
