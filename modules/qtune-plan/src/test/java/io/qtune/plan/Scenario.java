package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** A generated host and its ledger: the input of every property. */
record Scenario(Topology topology, Ledger ledger, String shape) {

    @Override
    public String toString() {
        return shape + " reserved=" + ledger.reserved() + " taken=" + ledger.taken() + " unavailable="
                + ledger.unavailable();
    }

    /**
     * 1-8 sockets, 1-4 NUMA nodes per socket, 1-4 cores per node, SMT 1/2/4, uncore caches of 1-2
     * cores (or unknown), Linux or adjacent sibling numbering; offline/isolated CPUs unavailable,
     * some reserved for the host, some taken by other VMs (single CPUs and whole cores).
     */
    static Arbitrary<Scenario> any() {
        Arbitrary<int[]> shape = Combinators.combine(Arbitraries.integers().between(1, 8),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(1, 4),
                Arbitraries.of(1, 2, 4), Arbitraries.integers().between(0, 2), Arbitraries.of(0, 1))
                .as((s, n, c, t, u, adj) -> new int[] {s, n, c, t, u, adj});
        return shape.flatMap(sh -> {
            Topology topo = build(sh);
            int cpus = topo.all().size();
            Arbitrary<List<Integer>> picks = Arbitraries.integers().between(0, cpus - 1).list().ofMaxSize(cpus);
            return Combinators.combine(picks, picks, picks, Arbitraries.integers().between(0, 100))
                    .as((off, res, taken, fill) -> {
                        CpuSet unavailable = sample(off, cpus, 15);
                        CpuSet reserved = sample(res, cpus, 10).minus(unavailable);
                        // other VMs: a fill% share of the picks, taken with their whole core half the time
                        CpuSet other = CpuSet.empty();
                        int n = taken.size() * fill / 100;
                        for (int i = 0; i < n; i++) {
                            int c = taken.get(i);
                            other = other.union(i % 2 == 0 ? topo.siblings(c) : CpuSet.of(c));
                        }
                        other = other.minus(unavailable).minus(reserved);
                        String text = sh[0] + " sockets x " + sh[1] + " nodes x " + sh[2] + " cores x SMT" + sh[3]
                                + (sh[5] == 1 ? " adjacent" : " linux") + " uncore=" + sh[4];
                        return new Scenario(topo, new Ledger(reserved, other, CpuSet.empty(), unavailable), text);
                    });
        });
    }

    private static CpuSet sample(List<Integer> picks, int cpus, int percent) {
        int n = Math.min(picks.size(), cpus * percent / 100);
        return CpuSet.of(picks.subList(0, n).stream().mapToInt(Integer::intValue).toArray());
    }

    private static Topology build(int[] sh) {
        int sockets = sh[0];
        int nodesPer = sh[1];
        int coresPer = sh[2];
        int threads = sh[3];
        int uncoreCores = sh[4];
        boolean adjacent = sh[5] == 1;
        int cores = sockets * nodesPer * coresPer;
        List<Cpu> out = new ArrayList<>();
        for (int k = 0; k < cores; k++) {
            int node = k / coresPer;
            for (int t = 0; t < threads; t++) {
                int cpu = adjacent ? k * threads + t : t * cores + k;
                out.add(new Cpu(cpu, k % (nodesPer * coresPer), node / nodesPer, node,
                        uncoreCores == 0 ? null : k / uncoreCores));
            }
        }
        return new Topology(out);
    }

    CpuSet available() {
        return ledger.available(topology);
    }
}
