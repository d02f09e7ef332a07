package io.qtune.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** virsh iothreaddel ID --live: refused while a disk uses it; object-del, then its group goes. */
@Command(name = "iothreaddel", description = "Delete an IOThread no disk uses, and its group.")
final class IothreadDelCommand extends VerbCommand {
  @Mixin
  IothreadId id;

  @Override
  void execute() {
    int n = id.value();
    await(vm().iothreads().delete(n));
    printer().result(() -> "", () -> JsonViews.iothreadInfo(await(vm().iothreads().info())));
  }
}
