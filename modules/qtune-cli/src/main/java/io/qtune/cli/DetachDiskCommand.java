package io.qtune.cli;

import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** virsh detach-disk TARGET; the guest must release the device within the global --timeout. */
@Command(name = "detach-disk", description = {"Detach a disk attached with attach-disk (waits for the guest "
    + "to release it, within --timeout).", "The unplug stays requested when the guest is too slow."})
final class DetachDiskCommand extends VerbCommand {
  @Parameters(index = "0", paramLabel = "TARGET", description = "the disk's name, e.g. vdb")
  String target;

  @Override
  void execute() {
    // the wait for the guest ends a little before the command's deadline, so that its explanation
    // (the guest did not release the device) is what the user sees, not a bare timeout
    Duration left = session().remaining();
    Duration guest = left.compareTo(Duration.ofSeconds(2)) > 0 ? left.minusSeconds(1) : left.dividedBy(2);
    await(vm().disks().detach(target, guest.isZero() ? Duration.ofMillis(1) : guest));
    printer().result(() -> "Disk detached successfully\n", () -> Map.of("target", target, "detached", true));
  }
}
