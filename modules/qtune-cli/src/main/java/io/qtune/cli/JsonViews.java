package io.qtune.cli;

import io.qtune.core.Drift;
import io.qtune.core.IothreadInfo;
import io.qtune.core.RecordViews;
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
 * ({@code "0-1,3"}), times in nanoseconds, null where there is nothing to read. The library's
 * records are {@link RecordViews}' (the daemon's bodies are too); the host's and virsh's shapes
 * are here.
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
    return RecordViews.vcpus(vcpus);
  }

  static List<Map<String, Object>> vcpuPins(Map<Integer, CpuSet> pins) {
    return RecordViews.vcpuPins(pins);
  }

  static Map<String, Object> emulatorPin(CpuSet cpus) {
    return Map.of("affinity", cpus.toList());
  }

  static Map<String, Object> iothread(IothreadInfo io) {
    return RecordViews.iothread(io);
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
    return RecordViews.threads(threads);
  }

  static List<Map<String, Object>> drift(List<Drift> drift) {
    return RecordViews.drift(drift);
  }

  static Map<String, Object> vm(Vm vm) {
    return RecordViews.vm(vm);
  }
}
