package io.qtune.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.core.Drift;
import io.qtune.core.IothreadInfo;
import io.qtune.core.RecordViews;
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
 * The API's JSON documents (docs/api/openapi.yaml): the library's records as {@link RecordViews}
 * shows them (the CLI's {@code --json} uses the same), wrapped in the API's own envelopes, plus
 * what only the daemon has (a VM's summary, its spec, an event).
 */
final class Views {
  private Views() {}

  static Map<String, Object> summary(Vm vm) {
    Map<String, Object> m = new LinkedHashMap<>(RecordViews.vm(vm));
    m.put("launched", vm.launched());
    m.put("placed", vm.placed());
    return m;
  }

  static Map<String, Object> detail(Vm vm, List<ThreadPlacement> threads) {
    Map<String, Object> m = summary(vm);
    m.put("threads", RecordViews.threads(threads));
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
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("vcpus", RecordViews.vcpus(vcpus));
    out.put("pins", RecordViews.vcpuPins(pins));
    return out;
  }

  static Map<String, Object> iothread(IothreadInfo io) {
    return RecordViews.iothread(io);
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
    return RecordViews.drift(drift);
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
