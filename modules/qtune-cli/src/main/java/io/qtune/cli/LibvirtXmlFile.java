package io.qtune.cli;

import io.qtune.core.Qtune;
import io.qtune.core.spec.SpecValidator;
import io.qtune.core.spec.libvirt.ImportCheck;
import io.qtune.core.spec.libvirt.LibvirtDomainXml;
import io.qtune.core.spec.libvirt.LibvirtDomainXml.Import;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A libvirt domain XML named on the command line ({@code import-xml}, {@code --libvirt-xml}): read,
 * checked against this host like a spec, and what qtune does not do said in one warning on stderr.
 */
final class LibvirtXmlFile {
  private LibvirtXmlFile() {}

  static Import read(Path file, Qtune qtune) {
    if (!Files.exists(file)) {
      throw new BadInputException("domain XML '" + file + "' does not exist");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new BadInputException("domain XML '" + file + "' is not a readable file");
    }
    Import imported = LibvirtDomainXml.read(file);
    if (realtimeBlocked(qtune)) {
      // cgroup v1 with RT group scheduling: a new group's cpu.rt_runtime_us is 0, so no thread
      // in a vcpuN/emulator/iothreadN group can be made SCHED_FIFO/RR
      imported = imported.withoutRealtime("this kernel gives realtime time only to groups with "
          + "cpu.rt_runtime_us set; qtune's thread groups have none");
    }
    ImportCheck.validate(imported, new SpecValidator(qtune.hostFacts()), file.toString());
    if (imported.warning() != null) {
      System.err.println("warning: " + file + ": " + imported.warning());
    }
    return imported;
  }

  private static boolean realtimeBlocked(Qtune qtune) {
    return qtune.cgroups().v1Mount("cpu")
        .map(m -> Files.exists(m.mountPoint().resolve("cpu.rt_runtime_us")))
        .orElse(false);
  }
}
