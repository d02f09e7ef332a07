package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.VcpuPin;
import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.Plan;
import io.qtune.plan.PlanRequest;
import io.qtune.plan.Planner;
import io.qtune.plan.Ledger;
import io.qtune.plan.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;

/** launch/apply --plan: vCPUs from -smp, and what the spec sets wins over the plan. */
class PlannedSpecTest {
  @Test
  void smpCountsAsQemuDoes() {
    assertEquals(1, SmpArg.vcpus(List.of("qemu-system-x86_64", "-m", "64")));
    assertEquals(2, SmpArg.vcpus(List.of("-smp", "2,maxcpus=4")));
    assertEquals(4, SmpArg.vcpus(List.of("-smp", "cpus=4")));
    assertEquals(4, SmpArg.vcpus(List.of("-smp", "sockets=2,cores=1,threads=2")));
    assertEquals(3, SmpArg.vcpus(List.of("-smp", "2", "-smp", "3")));
  }

  @Test
  void theSpecWinsPerVcpuAndPerField() {
    Topology topo = Topology.fromHost(io.qtune.host.topology.HostTopology.read(java.nio.file.Path.of("/")));
    PlanRequest req = new PlanRequest(1, PlanRequest.CpuPolicy.DEDICATED, CpuSet.of(0), CpuSet.empty(), List.of(), 0,
        PlanRequest.Options.defaults());
    Plan plan = Planner.plan(topo, Ledger.empty(), req);
    TuningSpec mine = SpecReader.parse("{\"name\": \"x\", \"emulatorpin\": \"0\"}");
    TuningSpec filled = PlannedSpec.fill(mine, plan, req);
    assertEquals("0", filled.emulatorpin(), "the spec's emulatorpin stays");
    assertEquals(List.of(new VcpuPin(0, plan.pinning().get(0).toString())), filled.vcpupin());
    TuningSpec pinned = SpecReader.parse("{\"vcpupin\": [{\"vcpu\": 0, \"cpuset\": \"0-1\"}]}");
    assertEquals(pinned.vcpupin(), PlannedSpec.fill(pinned, plan, req).vcpupin());
  }
}
