package io.qtune.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.PlanRequest.CpuPolicy;
import io.qtune.plan.PlanRequest.EmulatorPolicy;
import io.qtune.plan.PlanRequest.GuestCell;
import io.qtune.plan.PlanRequest.NumaStrategy;
import io.qtune.plan.PlanRequest.Options;
import io.qtune.plan.PlanRequest.ThreadPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Nova's answers, from openstack/nova doc/source/admin/cpu-topologies.rst ("Customizing
 * instance CPU pinning policies", "Customizing instance emulator thread pinning policy",
 * "Customizing instance NUMA placement policies") worked through nova/virt/hardware.py
 * {@code _pack_instance_onto_cores} / {@code numa_fit_instance_to_host} on a small host.
 */
class NovaExamplesTest {
    /** One NUMA node, 4 cores of 2 threads, siblings adjacent: cores {0,1} {2,3} {4,5} {6,7}. */
    private static Topology host() {
        List<Cpu> c = new ArrayList<>();
        for (int cpu = 0; cpu < 8; cpu++) {
            c.add(new Cpu(cpu, cpu / 2, 0, 0, null));
        }
        return new Topology(c);
    }

    private static Plan plan(Topology t, CpuSet taken, int n, Options o) {
        return Planner.plan(t, new Ledger(null, taken, null, null), PlanRequest.dedicated(n, o));
    }

    @Test
    void preferPacksOntoSiblingsAndIsolatesTheEmulatorOnTheNextCpu() {
        // hw:cpu_policy=dedicated, hw:emulator_threads_policy=isolate: "one pCPU ... distinct from the instance's"
        Plan p = plan(host(), CpuSet.empty(), 2, Options.defaults().withEmulator(EmulatorPolicy.ISOLATE, 1));
        assertEquals(CpuSet.of(0, 1), p.cpus());
        assertEquals(Map.of(0, 0, 1, 1), p.pinning());
        assertEquals(CpuSet.of(2), p.emulatorCpus());
        assertEquals(CpuSet.of(2), p.emulatorPin());
    }

    @Test
    void isolateUsesOneThreadPerCoreAndKeepsTheSiblingsIdle() {
        // hw:cpu_thread_policy=isolate: "each vCPU is placed on a different core and no vCPUs from other
        // guests are able to be placed on the same core"
        Plan p = plan(host(), CpuSet.empty(), 2, Options.defaults().withThreadPolicy(ThreadPolicy.ISOLATE)
                .withEmulator(EmulatorPolicy.ISOLATE, 1));
        assertEquals(CpuSet.of(0, 2), p.cpus());
        assertEquals(CpuSet.of(4), p.emulatorCpus());
        // Nova leaves 5 (the emulator core's sibling) to others; qtune keeps it idle too
        assertEquals(CpuSet.of(1, 3, 5), p.held());
    }

    @Test
    void requireFillsSiblings() {
        // hw:cpu_thread_policy=require: "vCPUs ... placed on thread siblings"
        Plan p = plan(host(), CpuSet.empty(), 3, Options.defaults().withThreadPolicy(ThreadPolicy.REQUIRE));
        assertEquals(CpuSet.of(0, 1, 2), p.cpus());
        assertEquals(CpuSet.of(3), p.held()); // Nova would leave 3 to the next instance
    }

    @Test
    void requireOnAHostWithoutSmtFails() {
        List<Cpu> c = new ArrayList<>();
        for (int cpu = 0; cpu < 4; cpu++) {
            c.add(new Cpu(cpu, cpu, 0, 0, null));
        }
        PlanException e = assertThrows(PlanException.class, () -> plan(new Topology(c), CpuSet.empty(), 2,
                Options.defaults().withThreadPolicy(ThreadPolicy.REQUIRE)));
        assertEquals("thread_policy", e.constraint());
    }

    @Test
    void preferAvoidsTheHalfUsedCoreForAWholeCoreRequest() {
        // CPU 1 belongs to another guest: both Nova and the kubelet give 2 vCPUs the whole core {2,3}
        assertEquals(CpuSet.of(2, 3), plan(host(), CpuSet.of(1), 2, Options.defaults()).cpus());
        // 3 vCPUs: Nova takes {2,3,4}; the kubelet (and qtune's prefer) fills the half-used core: {0,2,3}
        assertEquals(CpuSet.of(0, 2, 3), plan(host(), CpuSet.of(1), 3, Options.defaults()).cpus());
    }

    @Test
    void realtimeNeedsOneOrdinaryVcpu() {
        // hw:cpu_realtime_mask: "at least one vCPU must be non-realtime"
        PlanRequest all = new PlanRequest(2, CpuPolicy.DEDICATED, CpuSet.of(0, 1), CpuSet.of(0, 1), List.of(), 0, null);
        assertThrows(BadRequestException.class, () -> Planner.plan(host(), Ledger.empty(), all));
        PlanRequest one = new PlanRequest(2, CpuPolicy.DEDICATED, CpuSet.of(0, 1), CpuSet.of(1), List.of(), 0, null);
        assertEquals(CpuSet.of(1), Planner.plan(host(), Ledger.empty(), one).realtimeVcpus());
    }

    @Test
    void mixedPinsTheMaskAndFloatsTheRest() {
        // hw:cpu_policy=mixed, hw:cpu_dedicated_mask=^0 on 3 vCPUs: vCPU 0 floats on cpu_shared_set
        PlanRequest r = new PlanRequest(3, CpuPolicy.MIXED, CpuSet.of(1, 2), null, List.of(), 0, null);
        Plan p = Planner.plan(host(), new Ledger(null, null, CpuSet.of(6, 7), null), r);
        assertEquals(CpuSet.of(0, 1), p.cpus());
        assertEquals(CpuSet.of(6, 7), p.sharedCpus());
        assertEquals(Map.of(1, 0, 2, 1), p.pinning());
    }

    /** Two nodes of 4 single-thread cores: node 0 = 0-3, node 1 = 4-7. */
    private static Topology twoNodes() {
        List<Cpu> c = new ArrayList<>();
        for (int cpu = 0; cpu < 8; cpu++) {
            c.add(new Cpu(cpu, cpu, 0, cpu / 4, null));
        }
        return new Topology(c);
    }

    @Test
    void guestCellsPackOntoTheFullestNodesOrSpreadOntoTheEmptiest() {
        // hw:numa_nodes=2; [compute] packing_host_numa_cells_allocation_strategy True (pack) / False (spread)
        List<GuestCell> cells = List.of(new GuestCell(0, CpuSet.of(0), null), new GuestCell(1, CpuSet.of(1), null));
        Ledger oneUsed = new Ledger(null, CpuSet.of(0), null, null);
        Options pack = Options.defaults();
        Options spread = new Options(null, null, 1, NumaStrategy.SPREAD, false, false, 0, false, false, null, false);
        PlanRequest r = new PlanRequest(2, CpuPolicy.DEDICATED, CpuSet.of(0, 1), null, cells, 0, pack);
        Plan p = Planner.plan(twoNodes(), oneUsed, r);
        assertEquals(Map.of(0, 0, 1, 1), p.guestNuma());
        PlanRequest rs = new PlanRequest(2, CpuPolicy.DEDICATED, CpuSet.of(0, 1), null, cells, 0, spread);
        Plan s = Planner.plan(twoNodes(), oneUsed, rs);
        assertEquals(Map.of(0, 1, 1, 0), s.guestNuma());
        assertTrue(s.pinning().get(0) >= 4 && s.pinning().get(1) < 4);
    }

    @Test
    void aGuestCellNeverSpansNodes() {
        List<GuestCell> cells = List.of(new GuestCell(0, CpuSet.range(0, 4), null));
        PlanRequest r = new PlanRequest(5, CpuPolicy.DEDICATED, CpuSet.range(0, 4), null, cells, 0, null);
        PlanException e = assertThrows(PlanException.class, () -> Planner.plan(twoNodes(), Ledger.empty(), r));
        assertEquals("guest_numa", e.constraint());
    }
}
