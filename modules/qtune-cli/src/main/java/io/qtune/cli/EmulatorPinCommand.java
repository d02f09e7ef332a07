package io.qtune.cli;

import io.qtune.host.cpu.CpuSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** virsh emulatorpin [CPULIST] --live. */
@Command(name = "emulatorpin", description = {"Show the emulator threads' affinity, or pin them.",
    "Writes the emulator group's cpuset.cpus, then sched_setaffinity on each emulator thread."})
final class EmulatorPinCommand extends VerbCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "CPULIST", description = "host CPUs, e.g. 0-1")
  String cpulist;

  @Override
  void execute() {
    if (cpulist != null) {
      await(vm().pins().emulator(cpulist));
      if (printer().json()) {
        printer().json(JsonViews.emulatorPin(await(vm().pins().emulator())));
      } else {
        printer().text("");
      }
      return;
    }
    CpuSet cpus = await(vm().pins().emulator());
    printer().result(() -> VirshText.emulatorPin(cpus, !printer().quiet()), () -> JsonViews.emulatorPin(cpus));
  }
}
