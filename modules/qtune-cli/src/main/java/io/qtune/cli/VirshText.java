package io.qtune.cli;

import io.qtune.core.Drift;
import io.qtune.core.IothreadInfo;
import io.qtune.core.SchedInfo;
import io.qtune.core.ThreadPlacement;
import io.qtune.core.VcpuInfo;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.topology.HostTopology;
import io.qtune.host.topology.NumaNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The text of each command, in virsh's layout (virsh-host.c / virsh-domain.c: {@code %-15s}
 * labels, vshTable tables, {@code y}/{@code -} maps as wide as the host's CPU count).
 */
final class VirshText {
  private VirshText() {}

  /** virsh nodecpumap. */
  static String nodeCpuMap(HostTopology t) {
    int present = t.maxCpus();
    return field("CPUs present:", String.valueOf(present)) + field("CPUs online:", String.valueOf(t.online().size()))
        + field("CPU map:", t.online().toVirshMap(present));
  }

  /** lscpu's layout (the seed articles read the topology with lscpu). */
  static String topology(HostTopology t) {
    StringBuilder sb = new StringBuilder();
    label(sb, "CPU(s):", String.valueOf(t.logicalCpus()));
    label(sb, "On-line CPU(s) list:", t.online().toList());
    if (!t.offline().isEmpty()) {
      label(sb, "Off-line CPU(s) list:", t.offline().toList());
    }
    label(sb, "Thread(s) per core:", String.valueOf(t.threadsPerCore()));
    label(sb, "Core(s) per socket:", String.valueOf(t.coresPerPackage()));
    label(sb, "Socket(s):", String.valueOf(t.packages()));
    label(sb, "SMT:", t.smt() ? "on" : "off");
    label(sb, "NUMA node(s):", String.valueOf(t.nodes().size()));
    for (NumaNode n : t.nodes()) {
      label(sb, "NUMA node" + n.id() + " CPU(s):", n.cpus().toList());
    }
    for (NumaNode n : t.nodes()) {
      label(sb, "NUMA node" + n.id() + " memory:", (n.memTotalKb() / 1024) + " MiB");
    }
    label(sb, "Isolated CPU(s):", orNone(t.isolated()));
    label(sb, "nohz_full CPU(s):", orNone(t.nohzFull()));
    label(sb, "Housekeeping CPU(s):", orNone(t.housekeeping()));
    return sb.toString();
  }

  private static String orNone(CpuSet s) {
    return s.isEmpty() ? "none" : s.toList();
  }

  private static void label(StringBuilder sb, String label, String value) {
    sb.append(pad(label, 22)).append(' ').append(value).append('\n');
  }

  /** virsh vcpuinfo: a block per online vCPU, blank lines between; "CPU time" only when non-zero. */
  static String vcpuInfo(List<VcpuInfo> vcpus, int hostCpus) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < vcpus.size(); i++) {
      VcpuInfo v = vcpus.get(i);
      sb.append(field("VCPU:", String.valueOf(v.vcpu())));
      sb.append(field("CPU:", v.cpu() < 0 ? "N/A" : String.valueOf(v.cpu())));
      sb.append(field("State:", v.state()));
      if (v.cpuTimeNs() != 0) {
        sb.append(field("CPU time:", seconds(v.cpuTimeNs(), 10) + "s"));
      }
      sb.append(field("CPU Affinity:", v.affinity().toVirshMap(hostCpus)));
      if (i < vcpus.size() - 1) {
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  /** virsh's {@code "%-15s %s\n"}, without java.util.Formatter (its locale set-up costs start-up time). */
  static String field(String label, String value) {
    return pad(label, 15) + " " + value + "\n";
  }

  static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  /** {@code ns} in seconds with one ({@code scale} 10) or two (100) decimals, rounded half up like printf. */
  static String seconds(long ns, int scale) {
    long units = Math.round(ns / (1e9 / scale));
    long whole = units / scale;
    long frac = units % scale;
    String f = String.valueOf(frac);
    return whole + "." + "0".repeat(String.valueOf(scale).length() - 1 - f.length()) + f;
  }

  /** virsh vcpupin (query). */
  static String vcpuPins(Map<Integer, CpuSet> pins, boolean header) {
    VshTable t = new VshTable("VCPU", "CPU Affinity");
    pins.forEach((vcpu, cpus) -> t.row(vcpu, cpus.toList()));
    return t.render(header);
  }

  /** virsh emulatorpin (query). */
  static String emulatorPin(CpuSet cpus, boolean header) {
    String head = header ? "emulator: CPU Affinity\n----------------------------------\n" : "";
    return head + "       *: " + cpus.toList() + "\n";
  }

  /** virsh iothreadinfo. */
  static String iothreadInfo(List<IothreadInfo> iothreads, boolean header) {
    if (iothreads.isEmpty()) {
      // virsh prints this without a newline (vshPrintExtra: not at all with -q)
      return header ? "No IOThreads found for the domain" : "";
    }
    VshTable t = new VshTable("IOThread ID", "CPU Affinity");
    iothreads.forEach(io -> t.row(io.id(), io.affinity().toList()));
    return t.render(header);
  }

  /** virsh schedinfo: {@code %-15s: %s}, quotas -1 when unlimited, 0 for a level with no group. */
  static String schedInfo(SchedInfo s) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Object> e : schedFields(s)) {
      Object v = e.getValue();
      sb.append(pad(e.getKey(), 15)).append(": ").append(v == null ? "0" : v).append('\n');
    }
    return sb.toString();
  }

  /** The schedinfo fields in virsh's order (shared with the JSON view). */
  static List<Map.Entry<String, Object>> schedFields(SchedInfo s) {
    List<Map.Entry<String, Object>> f = new ArrayList<>();
    f.add(Map.entry("Scheduler", "posix"));
    f.add(entry(s.cgroupV2() ? "cpu_weight" : "cpu_shares", s.cpuShares()));
    f.add(entry("vcpu_period", s.vcpuPeriod()));
    f.add(entry("vcpu_quota", s.vcpuQuota()));
    f.add(entry("emulator_period", s.emulatorPeriod()));
    f.add(entry("emulator_quota", s.emulatorQuota()));
    f.add(entry("global_period", s.globalPeriod()));
    f.add(entry("global_quota", s.globalQuota()));
    f.add(entry("iothread_period", s.iothreadPeriod()));
    f.add(entry("iothread_quota", s.iothreadQuota()));
    return f;
  }

  private static Map.Entry<String, Object> entry(String k, Object v) {
    return new java.util.AbstractMap.SimpleImmutableEntry<>(k, v);
  }

  /**
   * Every thread of the VM, the {@code ps -eLo lwp,psr,...} view with qtune's roles, and beside
   * where each thread is, where its role says it should be ({@code =}: the same; {@code -}: the VM
   * is not placed). A thread elsewhere is marked {@code stray}.
   */
  static String threads(List<ThreadPlacement> threads, boolean header) {
    List<String[]> rows = new ArrayList<>();
    if (header) {
      rows.add(new String[] {"TID", "ROLE", "PSR", "S", "TIME", "AFFINITY", "WANT", "COMM", "GROUP",
          "WANT-GROUP", "STRAY"});
    }
    for (ThreadPlacement t : threads) {
      String group = t.group() == null ? "-" : t.group();
      String wantAffinity = t.wantAffinity() == null ? "-"
          : t.wantAffinity().equals(t.affinity()) ? "=" : t.wantAffinity().toList();
      String wantGroup = t.wantGroup() == null ? "-" : t.wantGroup().equals(t.group()) ? "=" : t.wantGroup();
      rows.add(new String[] {String.valueOf(t.tid()), t.role(), t.lastCpu() < 0 ? "-" : String.valueOf(t.lastCpu()),
          String.valueOf(t.state()), seconds(t.cpuTimeNs(), 100) + "s",
          t.affinity().toList(), wantAffinity, t.comm(), group, wantGroup, t.stray() ? "stray" : ""});
    }
    // numbers right-aligned as ps prints them; the last column is not padded
    boolean[] right = {true, false, true, false, true, false, false, false, false, false, false};
    int[] w = new int[right.length];
    rows.forEach(r -> {
      for (int i = 0; i < r.length; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    });
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        if (i > 0) {
          line.append(' ');
        }
        String pad = " ".repeat(w[i] - r[i].length());
        if (right[i]) {
          line.append(pad).append(r[i]);
        } else if (i == r.length - 1) {
          line.append(r[i]);
        } else {
          line.append(r[i]).append(pad);
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  /** diff: one line per difference. */
  static String drift(List<Drift> drift, String spec) {
    if (drift.isEmpty()) {
      return "no drift: the VM matches " + spec + "\n";
    }
    StringBuilder sb = new StringBuilder();
    drift.forEach(d -> sb.append(d.what()).append(": spec ").append(d.expected())
        .append(", live ").append(d.actual()).append('\n'));
    return sb.toString();
  }
}
