package io.qtune.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.PlanRequest.EmulatorPolicy;
import io.qtune.plan.PlanRequest.NumaStrategy;
import io.qtune.plan.PlanRequest.Options;
import io.qtune.plan.PlanRequest.ThreadPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Invariants of the planner over generated hosts (see {@link Scenario#any()}). */
class PlannerProperties {

    @Provide
    Arbitrary<Scenario> hosts() {
        return Scenario.any();
    }

    @Provide
    Arbitrary<Options> options() {
        return Combinators.combine(Arbitraries.of(ThreadPolicy.class), Arbitraries.of(EmulatorPolicy.class),
                Arbitraries.integers().between(1, 3), Arbitraries.of(NumaStrategy.class),
                Arbitraries.integers().between(0, 31)).as((tp, ep, ec, ns, flags) -> {
                    boolean full = (flags & 1) != 0 && tp == ThreadPolicy.PREFER;
                    boolean cores = (flags & 2) != 0 && tp == ThreadPolicy.PREFER && !full;
                    return new Options(tp, ep, ec, ns, full, (flags & 4) != 0, 0, cores, (flags & 8) != 0, null,
                            (flags & 16) != 0);
                });
    }

    private static Plan plan(Scenario s, int count, Options o) {
        return Planner.plan(s.topology(), s.ledger(), PlanRequest.dedicated(count, o));
    }

    @Property(tries = 300)
    void exactlyCountDistinctAvailableCpusOrANamedError(@ForAll("hosts") Scenario s,
            @ForAll @IntRange(min = 1, max = 24) int count, @ForAll("options") Options o) {
        CpuSet available = s.available();
        Plan p;
        try {
            p = plan(s, count, o);
        } catch (PlanException e) {
            assertFalse(e.constraint().isBlank());
            assertTrue(e.getMessage().startsWith(e.constraint() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("; free: "), e.getMessage());
            return;
        }
        assertEquals(count, p.cpus().size());
        assertTrue(p.cpus().isSubsetOf(available), () -> p.cpus() + " not in " + available);
        CpuSet others = s.ledger().reserved().union(s.ledger().taken()).union(s.ledger().unavailable());
        assertTrue(p.claimed().intersect(others).isEmpty(), "overlaps reserved/taken/unavailable");
        assertTrue(p.emulatorCpus().isSubsetOf(available) && p.held().isSubsetOf(available));
        assertTrue(p.cpus().intersect(p.emulatorCpus()).isEmpty() && p.cpus().intersect(p.held()).isEmpty()
                && p.emulatorCpus().intersect(p.held()).isEmpty());
        assertEquals(o.emulatorCpus(), p.emulatorCpus().size());
        assertEquals(count, p.pinning().size());
        assertEquals(p.cpus(), CpuSet.of(p.pinning().values().stream().mapToInt(Integer::intValue).toArray()));
    }

    @Property(tries = 300)
    void isolateNeverSharesACoreWithAnotherVm(@ForAll("hosts") Scenario s,
            @ForAll @IntRange(min = 1, max = 16) int count, @ForAll boolean emulator) {
        Options o = Options.defaults().withThreadPolicy(ThreadPolicy.ISOLATE)
                .withEmulator(emulator ? EmulatorPolicy.ISOLATE : EmulatorPolicy.SHARE, 1);
        Plan p;
        try {
            p = plan(s, count, o);
        } catch (PlanException e) {
            assertTrue(e.constraint().startsWith("thread_policy"), e.getMessage());
            return;
        }
        CpuSet mine = p.claimed();
        List<Integer> coresSeen = new ArrayList<>();
        for (int c : p.cpus().union(p.emulatorCpus()).cpus()) {
            CpuSet sib = s.topology().siblings(c);
            assertTrue(sib.isSubsetOf(mine), () -> "core " + sib + " of " + c + " not wholly this VM's");
            assertTrue(sib.isSubsetOf(s.available()), () -> "core " + sib + " was not wholly free");
            int core = s.topology().cores().of(c);
            assertFalse(coresSeen.contains(core), "two CPUs of one core under isolate");
            coresSeen.add(core);
        }
    }

    @Property(tries = 300)
    void requireTakesWholeCoresOrFails(@ForAll("hosts") Scenario s, @ForAll @IntRange(min = 1, max = 16) int count) {
        Options o = Options.defaults().withThreadPolicy(ThreadPolicy.REQUIRE);
        Plan p;
        try {
            p = plan(s, count, o);
        } catch (PlanException e) {
            assertTrue(e.constraint().startsWith("thread_policy"), e.getMessage());
            return;
        }
        assertTrue(s.topology().threadsPerCore() >= 2, "require succeeded without SMT");
        for (int c : p.cpus().cpus()) {
            CpuSet sib = s.topology().siblings(c);
            assertTrue(sib.size() >= 2, "require used a core without siblings");
            assertTrue(sib.isSubsetOf(p.claimed()) && sib.isSubsetOf(s.available()), "a partial core");
        }
        // at most one core is not filled with vCPUs, and only its spare threads are held
        assertTrue(p.held().size() < s.topology().threadsPerCore());
    }

    @Property(tries = 300)
    void packingSpansNoMoreNodesThanNeeded(@ForAll("hosts") Scenario s, @ForAll @IntRange(min = 1, max = 24) int count,
            @ForAll boolean isolate) {
        Options o = Options.defaults().withThreadPolicy(isolate ? ThreadPolicy.ISOLATE : ThreadPolicy.PREFER);
        Pool pool = new Pool(s.topology(), s.available());
        Topology.Groups nodes = s.topology().nodes();
        int[] cap = new int[nodes.count()];
        for (int g = 0; g < cap.length; g++) {
            Pool local = pool.restrict(nodes.cpus().get(g));
            cap[g] = isolate ? local.fullCores(1).size() : local.size();
        }
        int total = Arrays.stream(cap).sum();
        Plan p;
        try {
            p = plan(s, count, o);
        } catch (PlanException e) {
            // a failure only when the whole host cannot hold it
            assertTrue(total < count, () -> "failed with " + total + " >= " + count + ": " + e.getMessage());
            return;
        }
        int[] sorted = Arrays.stream(cap).boxed().sorted((a, b) -> b - a).mapToInt(Integer::intValue).toArray();
        int k = 0;
        for (int sum = 0; sum < count; k++) {
            sum += sorted[k];
        }
        assertEquals(k, s.topology().nodesOf(p.cpus()).size(), "nodes spanned");
    }

    @Property(tries = 300)
    void preferFailsOnlyWhenTooFewCpusAreFree(@ForAll("hosts") Scenario s,
            @ForAll @IntRange(min = 1, max = 40) int count, @ForAll boolean emulator) {
        Options o = Options.defaults().withEmulator(emulator ? EmulatorPolicy.ISOLATE : EmulatorPolicy.SHARE, 1);
        int need = count + (emulator ? 1 : 0);
        try {
            plan(s, count, o);
            assertTrue(s.available().size() >= need);
        } catch (PlanException e) {
            assertEquals("count", e.constraint());
            assertTrue(s.available().size() < need, e.getMessage());
        }
    }

    @Property(tries = 150)
    void vmsPlacedOneAfterAnotherNeverOverlapNorSplitIsolatedCores(@ForAll("hosts") Scenario s,
            @ForAll("requests") List<int[]> vms) {
        Ledger ledger = s.ledger();
        List<Plan> placed = new ArrayList<>();
        for (int[] vm : vms) {
            Options o = Options.defaults().withThreadPolicy(ThreadPolicy.values()[vm[1]])
                    .withEmulator(vm[2] == 1 ? EmulatorPolicy.ISOLATE : EmulatorPolicy.SHARE, 1);
            try {
                Plan p = Planner.plan(s.topology(), ledger, PlanRequest.dedicated(vm[0], o));
                for (Plan q : placed) {
                    assertTrue(p.claimed().intersect(q.claimed()).isEmpty(), "two VMs share a CPU");
                }
                if (o.threadPolicy() != ThreadPolicy.PREFER) {
                    for (int c : p.claimed().cpus()) {
                        assertTrue(s.topology().siblings(c).isSubsetOf(p.claimed()), "isolated core split");
                    }
                }
                placed.add(p);
                ledger = ledger.after(p);
            } catch (PlanException e) {
                // full: the next VM may still fit
            }
        }
    }

    @Provide
    Arbitrary<List<int[]>> requests() {
        return Combinators.combine(Arbitraries.integers().between(1, 8), Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 1)).as((n, tp, e) -> new int[] {n, tp, e}).list().ofMinSize(1)
                .ofMaxSize(8);
    }
}
