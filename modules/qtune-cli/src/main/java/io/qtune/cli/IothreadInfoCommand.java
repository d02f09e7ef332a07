package io.qtune.cli;

import io.qtune.core.IothreadInfo;
import java.util.List;
import picocli.CommandLine.Command;

/** virsh iothreadinfo. */
@Command(name = "iothreadinfo", description = "Show the IOThreads and their CPU affinity.")
final class IothreadInfoCommand extends VerbCommand {
  @Override
  void execute() {
    List<IothreadInfo> info = await(vm().iothreads().info());
    printer().result(() -> VirshText.iothreadInfo(info, !printer().quiet()), () -> JsonViews.iothreadInfo(info));
  }
}
