package io.qtune.cli;

import io.qtune.core.Drift;
import io.qtune.core.IothreadInfo;
import io.qtune.core.SchedInfo;
import io.qtune.core.ThreadPlacement;
import io.qtune.core.VcpuInfo;
import io.qtune.core.Vm;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.topology.HostTopology;
import io.qtune.host.topology.NumaNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --json} documents: snake_case keys, CPU sets in the kernel's list format
 * ({@code "0-1,3"}), times in nanoseconds, null where there is nothing to read.
 */
final class JsonViews {
  private JsonViews() {}

  static Map<String, Object> nodeCpuMap(HostTopology t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpus_present", t.maxCpus());
    m.put("cpus_online", t.online().size());
    m.put("online", t.online().toList());
    m.put("map", t.online().toVirshMap(t.maxCpus()));
    return m;
  }

  static Map<String, Object> topology(HostTopology t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("logical_cpus", t.logicalCpus());
    m.put("present", t.present().toList());
    m.put("online", t.online().toList());
    m.put("offline", t.offline().toList());
    m.put("packages", t.packages());
    m.put("cores_per_package", t.coresPerPackage());
    m.put("threads_per_core", t.threadsPerCore());
    m.put("smt", t.smt());
    List<Map<String, Object>> nodes = new ArrayList<>();
    for (NumaNode n : t.nodes()) {
      Map<String, Object> nm = new LinkedHashMap<>();
      nm.put("id", n.id());
      nm.put("cpus", n.cpus().toList());
      nm.put("memory_kb", n.memTotalKb());
      nodes.add(nm);
    }
    m.put("numa_nodes", nodes);
    m.put("isolated", t.isolated().toList());
    m.put("nohz_full", t.nohzFull().toList());
    m.put("housekeeping", t.housekeeping().toList());
    return m;
  }

  static List<Map<String, Object>> vcpuInfo(List<VcpuInfo> vcpus) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (VcpuInfo v : vcpus) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("vcpu", v.vcpu());
      m.put("tid", v.tid() > 0 ? v.tid() : null);
      m.put("cpu", v.cpu() >= 0 ? v.cpu() : null);
      m.put("state", v.state());
      m.put("cpu_time_ns", v.cpuTimeNs());
      m.put("affinity", v.affinity().toList());
      out.add(m);
    }
    return out;
  }

  static List<Map<String, Object>> vcpuPins(Map<Integer, CpuSet> pins) {
    List<Map<String, Object>> out = new ArrayList<>();
    pins.forEach((vcpu, cpus) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("vcpu", vcpu);
      m.put("affinity", cpus.toList());
      out.add(m);
    });
    return out;
  }

  static Map<String, Object> emulatorPin(CpuSet cpus) {
    return Map.of("affinity", cpus.toList());
  }

  static Map<String, Object> iothread(IothreadInfo io) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", io.id());
    m.put("tid", io.tid());
    m.put("affinity", io.affinity().toList());
    m.put("poll_max_ns", io.pollMaxNs());
    m.put("poll_grow", io.pollGrow());
    m.put("poll_shrink", io.pollShrink());
    return m;
  }

  static List<Map<String, Object>> iothreadInfo(List<IothreadInfo> iothreads) {
    return iothreads.stream().map(JsonViews::iothread).toList();
  }

  static Map<String, Object> schedInfo(SchedInfo s) {
    Map<String, Object> m = new LinkedHashMap<>();
    VirshText.schedFields(s).forEach(e -> m.put(e.getKey().equals("Scheduler") ? "scheduler" : e.getKey(), e.getValue()));
    return m;
  }

  static List<Map<String, Object>> threads(List<ThreadPlacement> threads) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ThreadPlacement t : threads) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("tid", t.tid());
      m.put("comm", t.comm());
      m.put("role", t.role());
      m.put("group", t.group());
      m.put("affinity", t.affinity().toList());
      m.put("last_cpu", t.lastCpu());
      m.put("cpu_time_ns", t.cpuTimeNs());
      m.put("state", String.valueOf(t.state()));
      m.put("want_group", t.wantGroup());
      m.put("want_affinity", t.wantAffinity() == null ? null : t.wantAffinity().toList());
      m.put("stray", t.stray());
      out.add(m);
    }
    return out;
  }

  static List<Map<String, Object>> drift(List<Drift> drift) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Drift d : drift) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("what", d.what());
      m.put("expected", d.expected());
      m.put("actual", d.actual());
      out.add(m);
    }
    return out;
  }

  static Map<String, Object> vm(Vm vm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", vm.name());
    m.put("pid", vm.pid());
    m.put("qmp_socket", vm.qmp().socketPath().toString());
    m.put("domain_path", vm.domainPath());
    return m;
  }
}
