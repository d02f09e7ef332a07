package io.qtune.cli;

import io.qtune.core.IothreadInfo;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** virsh iothreadadd ID --live: object-add iothreadID, then its iothreadID group. */
@Command(name = "iothreadadd", description = {"Add an IOThread (QEMU object iothreadID) and place it "
    + "in its own group iothreadID with the VM's iothread settings."})
final class IothreadAddCommand extends VerbCommand {
  @Mixin
  IothreadId id;

  @Option(names = "--poll-max-ns", paramLabel = "NS", description = "adaptive polling limit (QEMU poll-max-ns)")
  Long pollMaxNs;

  @Option(names = "--poll-grow", paramLabel = "N", description = "QEMU poll-grow")
  Long pollGrow;

  @Option(names = "--poll-shrink", paramLabel = "N", description = "QEMU poll-shrink")
  Long pollShrink;

  @Override
  void execute() {
    IothreadSpec spec = new IothreadSpec(id.value(), pollMaxNs, pollGrow, pollShrink, null, null, null);
    IothreadInfo added = await(vm().iothreads().add(spec));
    printer().result(() -> "", () -> JsonViews.iothread(added));
  }
}
