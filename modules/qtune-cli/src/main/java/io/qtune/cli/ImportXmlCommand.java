package io.qtune.cli;

import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.libvirt.LibvirtDomainXml.Import;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code qtune import-xml DOMAIN.xml}: a libvirt domain's tuning as a qtune spec. */
@Command(name = "import-xml", description = {"Read a libvirt domain XML and print its tuning as a qtune spec: "
    + "<name>, <vcpu>, <iothreads>/<iothreadids>, <cputune>, <numatune><memory>.",
    "With --json the output is a spec file for apply/launch. What qtune does not do is listed in one "
        + "warning on stderr; the spec is validated against this host."})
final class ImportXmlCommand extends VerbCommand {
  @Parameters(index = "0", paramLabel = "DOMAIN.xml", description = "the domain XML (virsh dumpxml)")
  Path xml;

  @Override
  void execute() {
    Import imported = LibvirtXmlFile.read(xml, session().qtune());
    printer().result(() -> text(imported), () -> imported.spec());
  }

  /** One line per spec field, libvirt's element names, the values as libvirt writes them. */
  static String text(Import imported) {
    TuningSpec s = imported.spec();
    StringBuilder sb = new StringBuilder();
    line(sb, "name", s.name());
    line(sb, "vcpus", imported.currentVcpus() + " of " + imported.maxVcpus() + " (QEMU -smp " + imported.smp() + ")");
    s.iothreads().forEach(io -> {
      StringBuilder v = new StringBuilder(Integer.toString(io.id()));
      add(v, "poll_max_ns", io.pollMaxNs());
      add(v, "poll_grow", io.pollGrow());
      add(v, "poll_shrink", io.pollShrink());
      add(v, "thread_pool_min", io.threadPoolMin());
      add(v, "thread_pool_max", io.threadPoolMax());
      line(sb, "iothread", v.toString());
    });
    s.vcpupin().forEach(p -> line(sb, "vcpupin", p.vcpu() + " " + p.cpuset()));
    line(sb, "emulatorpin", s.emulatorpin());
    s.iothreadpin().forEach(p -> line(sb, "iothreadpin", p.iothread() + " " + p.cpuset()));
    line(sb, "shares", s.shares());
    line(sb, "period", s.period());
    line(sb, "quota", s.quota());
    line(sb, "global_period", s.globalPeriod());
    line(sb, "global_quota", s.globalQuota());
    line(sb, "emulator_period", s.emulatorPeriod());
    line(sb, "emulator_quota", s.emulatorQuota());
    line(sb, "iothread_period", s.iothreadPeriod());
    line(sb, "iothread_quota", s.iothreadQuota());
    s.vcpusched().forEach(v -> line(sb, "vcpusched", v.vcpus() + " " + v.scheduler() + prio(v.priority())));
    s.iothreadsched().forEach(v -> line(sb, "iothreadsched", v.iothreads() + " " + v.scheduler() + prio(v.priority())));
    if (s.emulatorsched() != null) {
      line(sb, "emulatorsched", s.emulatorsched().scheduler() + prio(s.emulatorsched().priority()));
    }
    if (s.numatune() != null) {
      line(sb, "numatune", s.numatune().mode() + " " + s.numatune().nodeset());
    }
    return sb.toString();
  }

  private static String prio(Integer p) {
    return p == null ? "" : " " + p;
  }

  private static void add(StringBuilder sb, String k, Object v) {
    if (v != null) {
      sb.append(' ').append(k).append('=').append(v);
    }
  }

  private static void line(StringBuilder sb, String key, Object value) {
    if (value != null) {
      sb.append(String.format("%-16s %s%n", key, value));
    }
  }
}
