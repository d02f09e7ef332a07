package io.qtune.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.PlanRequest.Options;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes static policy's documented answers, which qtune gives too for thread_policy prefer.
 * Source: kubernetes/kubernetes pkg/kubelet/cm/cpumanager/cpu_assignment_test.go,
 * commonTakeByTopologyTestCases (case descriptions quoted), and the kubelet docs
 * (kubernetes.io "Control CPU Management Policies on the Node", static policy options).
 */
class KubeletExamplesTest {

    private static CpuSet plan(Topology t, String available, int n, Options o) {
        Ledger l = Ledger.fromAvailable(t, CpuSet.parse(available), null, null);
        return Planner.plan(t, l, PlanRequest.dedicated(n, o)).cpus();
    }

    private static CpuSet plan(Topology t, String available, int n) {
        return plan(t, available, n, Options.defaults());
    }

    @Test
    void takeOneCpuFromSingleSocketWithHt() {
        // "take one cpu from single socket with HT"
        assertEquals(CpuSet.of(0), plan(Topologies.singleSocketHt(), "0-7", 1));
    }

    @Test
    void takeOneCpuSomeTakenPrefersThePartlyUsedCore() {
        // "take one cpu from single socket with HT, some cpus are taken": the lone sibling 6
        assertEquals(CpuSet.of(6), plan(Topologies.singleSocketHt(), "1,3,5,6,7", 1));
    }

    @Test
    void takeTwoCpusIsOneCore() {
        // "take two cpus from single socket with HT"
        assertEquals(CpuSet.of(0, 4), plan(Topologies.singleSocketHt(), "0-7", 2));
    }

    @Test
    void takeTwoCpusOnlyOneCoreTotallyFree() {
        // "take two cpus from single socket with HT, only one core totally free"
        assertEquals(CpuSet.of(2, 6), plan(Topologies.singleSocketHt(), "0-3,6", 2));
    }

    @Test
    void takeAllCpus() {
        // "take all cpus from single socket with HT"
        assertEquals(CpuSet.range(0, 7), plan(Topologies.singleSocketHt(), "0-7", 8));
    }

    @Test
    void takeOneCpuFromDualSocketCoreFromSocket0() {
        // "take one cpu from dual socket with HT - core from Socket 0"
        assertEquals(CpuSet.of(2), plan(Topologies.dualSocketHt(), "1-5,7-11", 1));
    }

    @Test
    void takeASocket() {
        // "take a socket of cpus from dual socket with HT"
        assertEquals(CpuSet.parse("0,2,4,6,8,10"), plan(Topologies.dualSocketHt(), "0-11", 6));
    }

    @Test
    void multiNumaPerSocket() {
        Topology t = Topologies.dualSocketMultiNumaHt();
        // "take a socket of cpus from dual socket with multi-numa-per-socket with HT"
        assertEquals(CpuSet.parse("0-19,40-59"), plan(t, "0-79", 40));
        // "take a NUMA node of cpus from dual socket with multi-numa-per-socket with HT"
        assertEquals(CpuSet.parse("0-9,40-49"), plan(t, "0-79", 20));
        // "... with 1 NUMA node already taken"
        assertEquals(CpuSet.parse("10-19,50-59"), plan(t, "10-39,50-79", 20));
        // "take a socket and a NUMA node of cpus from dual socket with multi-numa-per-socket with HT"
        assertEquals(CpuSet.parse("0-29,40-69"), plan(t, "0-79", 60));
    }

    @Test
    void moreThanAvailableIsAnErrorNamingCount() {
        // "take more cpus than are available from single socket with HT"
        PlanException e = assertThrows(PlanException.class, () -> plan(Topologies.singleSocketHt(), "0,2,4,6", 5));
        assertEquals("count", e.constraint());
        assertTrue(e.getMessage().contains("4 CPUs (0,2,4,6)"), e.getMessage());
    }

    @Test
    void fullPcpusOnlyRefusesAnOddCount() {
        // kubelet docs, full-pcpus-only: "the static policy will only allocate full physical cores";
        // its error text is policy_static.go's SMTAlignmentError
        PlanException e = assertThrows(PlanException.class, () -> plan(Topologies.singleSocketHt(), "0-7", 3,
                new Options(null, null, 1, null, true, false, 0, false, false, null, false)));
        assertEquals("full_pcpus_only", e.constraint());
        assertTrue(e.getMessage().contains("SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2"));
    }

    @Test
    void uncoreCacheAlignment() {
        // uncore_cache_test.go topology: 4 CPUs fit in one cache; the kubelet takes cache 0's cores 0,1
        Options o = new Options(null, null, 1, null, false, false, 0, false, true, null, false);
        CpuSet got = plan(Topologies.uncoreSingleSocketSmt(), "0-15", 4, o);
        assertEquals(CpuSet.of(0, 1, 8, 9), got);
        // with cache 0 half used, the next 8 go to cache 1 whole
        assertEquals(CpuSet.parse("4-7,12-15"), plan(Topologies.uncoreSingleSocketSmt(), "2,3,4-7,10,11,12-15", 8, o));
    }
}
