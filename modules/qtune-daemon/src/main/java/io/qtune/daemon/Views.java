package io.qtune.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.core.Drift;
import io.qtune.core.IothreadInfo;
import io.qtune.core.SchedInfo;
import io.qtune.core.ThreadPlacement;
import io.qtune.core.VcpuInfo;
import io.qtune.core.Vm;
import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import io.qtune.host.cpu.CpuSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API's JSON documents (docs/api/openapi.yaml): snake_case keys, CPU sets in the kernel's list
 * format, times in nanoseconds, null where there is nothing to read. The same shapes as the CLI's
 * {@code --json}.
 */
final class Views {
  private Views() {}

  static Map<String, Object> summary(Vm vm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", vm.name());
    m.put("pid", vm.pid());
    m.put("qmp_socket", vm.qmp().socketPath().toString());
    m.put("domain_path", vm.domainPath());
    m.put("launched", vm.launched());
    m.put("placed", vm.placed());
    return m;
  }

  static Map<String, Object> detail(Vm vm, List<ThreadPlacement> threads) {
    Map<String, Object> m = summary(vm);
    List<Map<String, Object>> ts = new ArrayList<>();
    for (ThreadPlacement t : threads) {
      Map<String, Object> tm = new LinkedHashMap<>();
      tm.put("tid", t.tid());
      tm.put("comm", t.comm());
      tm.put("role", t.role());
      tm.put("group", t.group());
      tm.put("affinity", t.affinity().toList());
      tm.put("last_cpu", t.lastCpu());
      tm.put("cpu_time_ns", t.cpuTimeNs());
      tm.put("state", String.valueOf(t.state()));
      // where its role says it should be (null before placement), and whether reconcile moves it
      tm.put("want_group", t.wantGroup());
      tm.put("want_affinity", t.wantAffinity() == null ? null : t.wantAffinity().toList());
      tm.put("stray", t.stray());
      ts.add(tm);
    }
    m.put("threads", ts);
    m.put("spec", spec(vm.spec()));
    return m;
  }

  static JsonNode spec(TuningSpec spec) {
    try {
      return Json.MAPPER.readTree(SpecReader.write(spec));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, Object> vcpus(List<VcpuInfo> vcpus, Map<Integer, CpuSet> pins) {
    List<Map<String, Object>> vs = new ArrayList<>();
    for (VcpuInfo v : vcpus) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("vcpu", v.vcpu());
      m.put("tid", v.tid() > 0 ? v.tid() : null);
      m.put("cpu", v.cpu() >= 0 ? v.cpu() : null);
      m.put("state", v.state());
      m.put("cpu_time_ns", v.cpuTimeNs());
      m.put("affinity", v.affinity().toList());
      vs.add(m);
    }
    List<Map<String, Object>> ps = new ArrayList<>();
    pins.forEach((vcpu, cpus) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("vcpu", vcpu);
      m.put("affinity", cpus.toList());
      ps.add(m);
    });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("vcpus", vs);
    out.put("pins", ps);
    return out;
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

  /** virsh schedinfo's fields in its order (cpu_weight for cpu_shares on cgroup v2). */
  static Map<String, Object> sched(SchedInfo s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scheduler", "posix");
    m.put(s.cgroupV2() ? "cpu_weight" : "cpu_shares", s.cpuShares());
    m.put("vcpu_period", s.vcpuPeriod());
    m.put("vcpu_quota", s.vcpuQuota());
    m.put("emulator_period", s.emulatorPeriod());
    m.put("emulator_quota", s.emulatorQuota());
    m.put("global_period", s.globalPeriod());
    m.put("global_quota", s.globalQuota());
    m.put("iothread_period", s.iothreadPeriod());
    m.put("iothread_quota", s.iothreadQuota());
    return m;
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

  static Map<String, Object> event(Event e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", e.seq());
    m.put("time", e.time().toString());
    m.put("type", e.type());
    if (e.vm() != null) {
      m.put("vm", e.vm());
    }
    m.put("data", e.data());
    return m;
  }
}
