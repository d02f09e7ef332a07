package io.qtune.cli;

import io.qtune.core.ThreadPlacement;
import java.util.List;
import picocli.CommandLine.Command;

/** ps -eLo lwp,psr,... for the VM's threads, with their roles and groups. */
@Command(name = "ps", description = "List every thread of the VM: TID, role (vcpuN, iothreadN, emulator), "
    + "last CPU, state, CPU time, affinity, name and cgroup.")
final class PsCommand extends VerbCommand {
  @Override
  void execute() {
    List<ThreadPlacement> threads = access().placement();
    printer().result(() -> VirshText.threads(threads, !printer().quiet()), () -> JsonViews.threads(threads));
  }
}
