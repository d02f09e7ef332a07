package io.qtune.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** virsh iothreadpin ID CPULIST --live. */
@Command(name = "iothreadpin", description = {"Pin an IOThread to host CPUs.",
    "Writes the iothreadID group's cpuset.cpus, then sched_setaffinity on the thread."})
final class IothreadPinCommand extends VerbCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "IOThread id")
  int id;

  @Parameters(index = "1", paramLabel = "CPULIST", description = "host CPUs, e.g. 1")
  String cpulist;

  @Override
  void execute() {
    await(vm().pins().iothread(id, cpulist));
    printer().result(() -> "", () -> JsonViews.iothreadInfo(await(vm().iothreads().info())));
  }
}
