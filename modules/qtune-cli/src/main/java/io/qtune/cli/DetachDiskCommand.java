package io.qtune.cli;

import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** virsh detach-disk TARGET. */
@Command(name = "detach-disk", description = "Detach a disk attached with attach-disk (waits for the guest to release it).")
final class DetachDiskCommand extends VerbCommand {
  @Parameters(index = "0", paramLabel = "TARGET", description = "the disk's name, e.g. vdb")
  String target;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
      description = "how long to wait for the guest (default: ${DEFAULT-VALUE})")
  int timeoutSeconds;

  @Override
  void execute() {
    if (timeoutSeconds < 1) {
      throw new BadInputException("--timeout must be at least 1 second, got " + timeoutSeconds);
    }
    Session.await(vm().detachDisk(target, Duration.ofSeconds(timeoutSeconds)));
    printer().result(() -> "Disk detached successfully\n", () -> Map.of("target", target, "detached", true));
  }
}
