package io.qtune.cli;

import io.qtune.core.DiskFormat;
import io.qtune.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** virsh attach-disk FILE TARGET --iothread ID (virtio-blk served by that IOThread). */
@Command(name = "attach-disk", description = "Attach a raw or qcow2 image as a virtio-blk disk served by an IOThread.")
final class AttachDiskCommand extends VerbCommand {
  @Parameters(index = "0", paramLabel = "FILE", description = "the image")
  Path file;

  @Parameters(index = "1", paramLabel = "TARGET", description = "the disk's name, e.g. vdb")
  String target;

  @Option(names = "--iothread", required = true, paramLabel = "ID", description = "the IOThread serving the disk")
  int iothread;

  @Option(names = "--targetbus", paramLabel = "BUS", description = "only virtio (accepted for virsh compatibility)")
  String targetbus;

  @Option(names = "--driver", paramLabel = "NAME", description = "only qemu (accepted for virsh compatibility)")
  String driver;

  @Option(names = "--subdriver", paramLabel = "FORMAT", defaultValue = "raw",
      description = "the image's format: raw (default, as libvirt) or qcow2; never probed from the image")
  String subdriver;

  @Override
  void execute() {
    if (targetbus != null && !targetbus.equals("virtio")) {
      throw new BadInputException("--targetbus '" + targetbus + "' is not supported (allowed: virtio)");
    }
    if (driver != null && !driver.equals("qemu")) {
      throw new BadInputException("--driver '" + driver + "' is not supported (allowed: qemu)");
    }
    DiskFormat format;
    try {
      format = DiskFormat.of(subdriver);
    } catch (InvalidInputException e) {
      throw new BadInputException("--subdriver '" + subdriver + "' is not supported (allowed: raw, qcow2;"
          + " the format is never probed from the image)");
    }
    if (!Files.exists(file)) {
      throw new BadInputException("disk image '" + file + "' does not exist");
    }
    await(vm().disks().attach(file.toAbsolutePath(), target, iothread, format));
    printer().result(() -> "Disk attached successfully\n",
        () -> Map.of("target", target, "file", file.toAbsolutePath().toString(), "iothread", iothread,
            "format", format.driver()));
  }
}
