package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * The CPUs still free for this plan, with the Kubernetes static policy's orders over them: groups
 * with fewer free CPUs come first (that is what packs), ties by position.
 */
final class Pool {
    private final Topology topo;
    private final BitSet free;

    Pool(Topology topo, CpuSet free) {
        this.topo = topo;
        this.free = free.intersect(topo.all()).toBitSet();
    }

    Topology topology() {
        return topo;
    }

    CpuSet free() {
        return CpuSet.fromBitSet(free);
    }

    int size() {
        return free.cardinality();
    }

    /** A pool of the free CPUs among {@code cpus}. */
    Pool restrict(CpuSet cpus) {
        return new Pool(topo, free().intersect(cpus));
    }

    void take(CpuSet cpus) {
        for (int c : cpus.cpus()) {
            free.clear(c);
        }
    }

    int freeIn(CpuSet group) {
        BitSet b = group.toBitSet();
        b.and(free);
        return b.cardinality();
    }

    CpuSet freeOf(CpuSet group) {
        return group.intersect(free());
    }

    /** True when every CPU of {@code group} (as the topology has it) is free. */
    boolean isFull(CpuSet group) {
        return freeIn(group) == group.size();
    }

    /** Free counts per group of {@code level}. */
    int[] freePer(Topology.Groups level) {
        int[] n = new int[level.count()];
        for (int c = free.nextSetBit(0); c >= 0; c = free.nextSetBit(c + 1)) {
            int g = level.of(c);
            if (g >= 0) {
                n[g]++;
            }
        }
        return n;
    }

    /** Group indexes of {@code level} with a free CPU, fewest free first, then by index. */
    List<Integer> sortedGroups(Topology.Groups level) {
        int[] n = freePer(level);
        List<Integer> out = new ArrayList<>();
        for (int g = 0; g < n.length; g++) {
            if (n[g] > 0) {
                out.add(g);
            }
        }
        out.sort(Comparator.<Integer>comparingInt(g -> n[g]).thenComparingInt(g -> g));
        return out;
    }

    /**
     * Cores with a free CPU in the kubelet's order: by the larger of NUMA node and socket (fewest
     * free first), then the smaller, then the core's own free count, then position.
     */
    List<Integer> sortedCores() {
        Topology.Groups cores = topo.cores();
        boolean numaFirst = topo.sockets().count() >= topo.nodes().count();
        Topology.Groups l1 = numaFirst ? topo.nodes() : topo.sockets();
        Topology.Groups l2 = numaFirst ? topo.sockets() : topo.nodes();
        int[] f1 = freePer(l1);
        int[] f2 = freePer(l2);
        int[] fc = freePer(cores);
        int[] g1 = new int[cores.count()];
        int[] g2 = new int[cores.count()];
        List<Integer> out = new ArrayList<>();
        for (int k = 0; k < cores.count(); k++) {
            int first = cores.cpus().get(k).first();
            g1[k] = l1.of(first);
            g2[k] = l2.of(first);
            if (fc[k] > 0) {
                out.add(k);
            }
        }
        out.sort(Comparator.<Integer>comparingInt(k -> f1[g1[k]]).thenComparingInt(k -> g1[k])
                .thenComparingInt(k -> f2[g2[k]]).thenComparingInt(k -> g2[k])
                .thenComparingInt(k -> fc[k]).thenComparingInt(k -> k));
        return out;
    }

    /** Free CPUs core by core in {@link #sortedCores()} order, ascending within a core. */
    List<Integer> sortedCpus() {
        List<Integer> out = new ArrayList<>();
        for (int k : sortedCores()) {
            for (int c : freeOf(topo.cores().cpus().get(k)).cpus()) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * Free CPUs one thread per core first (distribute-cpus-across-cores): the first free thread of
     * every core in core order, then the second, and so on.
     */
    List<Integer> spreadCpus() {
        List<int[]> perCore = new ArrayList<>();
        for (int k : sortedCores()) {
            perCore.add(freeOf(topo.cores().cpus().get(k)).cpus());
        }
        List<Integer> out = new ArrayList<>();
        for (int round = 0; out.size() < size(); round++) {
            for (int[] cpus : perCore) {
                if (round < cpus.length) {
                    out.add(cpus[round]);
                }
            }
        }
        return out;
    }

    /** Cores whose every CPU is free, in {@link #sortedCores()} order. */
    List<Integer> fullCores(int minThreads) {
        List<Integer> out = new ArrayList<>();
        for (int k : sortedCores()) {
            CpuSet core = topo.cores().cpus().get(k);
            if (core.size() >= minThreads && isFull(core)) {
                out.add(k);
            }
        }
        return out;
    }
}
