package io.qtune.core;

import io.qtune.host.cpu.CpuSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON view of the library's records, one for every caller: the CLI's {@code --json} and the
 * daemon's bodies (docs/api/openapi.yaml) are built here, so they cannot drift apart. Plain maps
 * and lists in key order (any JSON writer serialises them the same): snake_case keys, CPU sets in
 * the kernel's list format ({@code "0-1,3"}), times in nanoseconds, null where there is nothing
 * to read. No JSON library and no HTTP here.
 */
public final class RecordViews {
  private RecordViews() {}

  /** A VM: name, pid, QMP socket, domain group. */
  public static Map<String, Object> vm(Vm vm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", vm.name());
    m.put("pid", vm.pid());
    m.put("qmp_socket", vm.qmp().socketPath().toString());
    m.put("domain_path", vm.domainPath());
    return m;
  }

  public static List<Map<String, Object>> vcpus(List<VcpuInfo> vcpus) {
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

  public static List<Map<String, Object>> vcpuPins(Map<Integer, CpuSet> pins) {
    List<Map<String, Object>> out = new ArrayList<>();
    pins.forEach((vcpu, cpus) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("vcpu", vcpu);
      m.put("affinity", cpus.toList());
      out.add(m);
    });
    return out;
  }

  public static Map<String, Object> iothread(IothreadInfo io) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", io.id());
    m.put("tid", io.tid());
    m.put("affinity", io.affinity().toList());
    m.put("poll_max_ns", io.pollMaxNs());
    m.put("poll_grow", io.pollGrow());
    m.put("poll_shrink", io.pollShrink());
    return m;
  }

  /** Every thread: where it is, and where its role says it should be (null before placement). */
  public static List<Map<String, Object>> threads(List<ThreadPlacement> threads) {
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

  public static List<Map<String, Object>> drift(List<Drift> drift) {
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
}
