package io.qtune.cli;

import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadPin;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.spec.TuningSpec.NumaTune;
import io.qtune.core.spec.TuningSpec.VcpuPin;
import io.qtune.core.spec.TuningSpec.VcpuSched;
import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.Plan;
import io.qtune.plan.PlanRequest;
import io.qtune.plan.PlanSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A plan poured into a spec for {@code launch --plan} and {@code apply --plan}. What the spec file
 * already sets wins: per vCPU for vcpupin, per iothread for iothreads and iothreadpin, per field
 * for emulatorpin, numatune and vcpusched; the plan fills the rest. An operator's explicit pin is
 * a deliberate choice, the plan a default.
 */
final class PlannedSpec {
  private PlannedSpec() {}

  static TuningSpec fill(TuningSpec spec, Plan plan, PlanRequest request) {
    Set<Integer> pinnedVcpus = new HashSet<>();
    spec.vcpupin().forEach(p -> pinnedVcpus.add(p.vcpu()));
    List<VcpuPin> vcpupin = new ArrayList<>(spec.vcpupin());
    for (int v = 0; v < request.vcpus(); v++) {
      CpuSet where = PlanSpec.vcpuCpus(plan, v);
      if (!where.isEmpty() && !pinnedVcpus.contains(v)) {
        vcpupin.add(new VcpuPin(v, where.toString()));
      }
    }
    String emulatorpin = spec.emulatorpin() != null || plan.emulatorPin().isEmpty()
        ? spec.emulatorpin() : plan.emulatorPin().toString();
    List<IothreadSpec> iothreads = new ArrayList<>(spec.iothreads());
    Set<Integer> ioIds = new HashSet<>();
    spec.iothreads().forEach(i -> ioIds.add(i.id()));
    Set<Integer> ioPinned = new HashSet<>();
    spec.iothreadpin().forEach(p -> ioPinned.add(p.iothread()));
    List<IothreadPin> iothreadpin = new ArrayList<>(spec.iothreadpin());
    for (int i = 1; i <= request.iothreads(); i++) {
      if (!ioIds.contains(i)) {
        iothreads.add(IothreadSpec.of(i));
      }
      if (!ioPinned.contains(i) && !plan.emulatorPin().isEmpty()) {
        iothreadpin.add(new IothreadPin(i, plan.emulatorPin().toString()));
      }
    }
    NumaTune numatune = spec.numatune() != null || plan.hostNodes().isEmpty()
        ? spec.numatune() : new NumaTune("strict", plan.hostNodes().toString());
    List<VcpuSched> vcpusched = !spec.vcpusched().isEmpty() || plan.realtimeVcpus().isEmpty()
        ? spec.vcpusched() : List.of(new VcpuSched(plan.realtimeVcpus().toString(), "fifo", 1));
    return new TuningSpec(spec.name(), iothreads, vcpupin, emulatorpin, iothreadpin, spec.shares(), spec.weight(),
        spec.period(), spec.quota(), spec.globalPeriod(), spec.globalQuota(), spec.emulatorPeriod(),
        spec.emulatorQuota(), spec.iothreadPeriod(), spec.iothreadQuota(), vcpusched, spec.iothreadsched(),
        spec.emulatorsched(), numatune);
  }
}
