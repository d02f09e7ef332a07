package io.qtune.cli;

import io.qtune.host.cpu.CpuSet;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** virsh vcpupin [VCPU [CPULIST]] --live. */
@Command(name = "vcpupin", description = {"Show the vCPUs' affinity, or pin one vCPU to host CPUs.",
    "Writes the vcpuN group's cpuset.cpus, then sched_setaffinity on the vCPU thread."})
final class VcpuPinCommand extends VerbCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "VCPU", description = "vCPU number")
  Integer vcpu;

  @Parameters(index = "1", arity = "0..1", paramLabel = "CPULIST",
      description = "host CPUs, e.g. 0-1,3 (^N excludes)")
  String cpulist;

  @Override
  void execute() {
    if (cpulist != null) {
      await(vm().pins().vcpu(vcpu, cpulist));
      if (printer().json()) {
        printer().json(JsonViews.vcpuPins(await(vm().pins().vcpus())));
      } else {
        printer().text("");
      }
      return;
    }
    Map<Integer, CpuSet> pins = await(vm().pins().vcpus());
    if (vcpu != null) {
      if (!pins.containsKey(vcpu)) {
        throw new BadInputException("vcpu " + vcpu + " is out of range of live cpu count " + pins.size());
      }
      Map<Integer, CpuSet> one = new LinkedHashMap<>();
      one.put(vcpu, pins.get(vcpu));
      pins = one;
    }
    Map<Integer, CpuSet> shown = pins;
    printer().result(() -> VirshText.vcpuPins(shown, !printer().quiet()), () -> JsonViews.vcpuPins(shown));
  }
}
