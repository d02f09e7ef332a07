package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * thread_policy prefer: the Kubernetes static policy's topology-aware best fit
 * ({@code takeByTopologyNUMAPacked}): whole NUMA nodes/sockets the request fills, whole uncore
 * caches (prefer-align-cpus-by-uncorecache), whole cores, then single CPUs, always from the group
 * with the fewest free CPUs first. With distribute-cpus-across-cores it skips whole cores and takes
 * one thread per core first. With full-pcpus-only the count is a multiple of the threads per core
 * and only whole free cores count.
 */
final class PackedAllocator implements Allocator {
    private final Topology topo;
    private final boolean spreadCores;
    private final boolean uncore;
    private final boolean fullPcpus;

    PackedAllocator(Topology topo, boolean spreadCores, boolean uncore, boolean fullPcpus) {
        this.topo = topo;
        this.spreadCores = spreadCores;
        this.uncore = uncore;
        this.fullPcpus = fullPcpus;
    }

    @Override
    public int capacity(Pool pool) {
        if (!fullPcpus) {
            return pool.size();
        }
        int n = 0;
        for (int k : pool.fullCores(1)) {
            n += topo.cores().cpus().get(k).size();
        }
        return n;
    }

    @Override
    public int need(int vcpus, int emulator) {
        if (!fullPcpus || emulator == 0) {
            return vcpus + emulator;
        }
        int t = topo.threadsPerCore();
        return vcpus + (emulator + t - 1) / t * t;
    }

    @Override
    public String unit() {
        return fullPcpus ? "CPUs on whole free cores" : "CPUs";
    }

    @Override
    public Taken take(Pool pool, int n, List<Decision> why) {
        if (n == 0) {
            return Taken.NONE;
        }
        if (capacity(pool) < n) {
            return null;
        }
        Acc a = new Acc(pool, n);
        if (!spreadCores) {
            boolean numaFirst = topo.sockets().count() >= topo.nodes().count();
            a.takeFullGroups(numaFirst ? topo.nodes() : topo.sockets(), numaFirst ? "NUMA node" : "socket", why);
            a.takeFullGroups(numaFirst ? topo.sockets() : topo.nodes(), numaFirst ? "socket" : "NUMA node", why);
        }
        if (uncore && !a.done()) {
            a.takeUncore(why);
        }
        if (!spreadCores && !a.done()) {
            a.takeFullCores(a.left().sortedCores());
        }
        if (!a.done()) {
            List<Integer> order = spreadCores ? a.left().spreadCpus() : a.left().sortedCpus();
            if (spreadCores) {
                why.add(new Decision("distribute_across_cores", "one thread per core before any second thread"));
            }
            a.takeCpus(order);
        }
        if (!a.done()) {
            return null; // unreachable when capacity() was right; the caller reports it
        }
        pool.take(a.result());
        return new Taken(a.result(), CpuSet.empty());
    }

    /** The kubelet's accumulator: what is taken so far and what is still needed. */
    private final class Acc {
        private final Pool left;
        private final BitSet result = new BitSet();
        private int needed;

        Acc(Pool pool, int n) {
            this.left = pool.restrict(pool.free());
            this.needed = n;
        }

        /** The CPUs not taken yet: every order is computed on these, as the kubelet does. */
        Pool left() {
            return left;
        }

        boolean done() {
            return needed <= 0;
        }

        CpuSet result() {
            return CpuSet.fromBitSet(result);
        }

        private void take(CpuSet cpus) {
            for (int c : cpus.cpus()) {
                result.set(c);
            }
            left.take(cpus);
            needed -= cpus.size();
        }

        void takeFullGroups(Topology.Groups level, String name, List<Decision> why) {
            for (int g : left.sortedGroups(level)) {
                CpuSet cpus = level.cpus().get(g);
                if (needed >= cpus.size() && left.isFull(cpus) && (!fullPcpus || wholeCores(cpus))) {
                    take(cpus);
                    why.add(new Decision("pack", "whole " + name + " " + level.ids().get(g) + " (" + cpus + ")"));
                }
            }
        }

        void takeUncore(List<Decision> why) {
            Topology.Groups uc = topo.uncores();
            if (uc.count() == 0) {
                why.add(new Decision("prefer_align_uncore_cache", "no uncore cache ids known: not aligned"));
                return;
            }
            for (int g = 0; g < uc.count(); g++) {
                CpuSet cpus = uc.cpus().get(g);
                if (needed >= cpus.size() && left.isFull(cpus)) {
                    take(cpus);
                    why.add(new Decision("prefer_align_uncore_cache", "whole uncore cache " + uc.ids().get(g)));
                }
            }
            if (done()) {
                return;
            }
            // first fit: the first cache (in id order) whose free CPUs hold the rest
            for (int g = 0; g < uc.count(); g++) {
                CpuSet cpus = uc.cpus().get(g);
                if (left.freeIn(cpus) < needed) {
                    continue;
                }
                Pool inCache = left.restrict(cpus);
                int before = needed;
                takeFullCores(inCache.sortedCores());
                takeCpus(spreadCores ? left.restrict(cpus).spreadCpus() : left.restrict(cpus).sortedCpus());
                why.add(new Decision("prefer_align_uncore_cache",
                        before + " CPUs within uncore cache " + uc.ids().get(g)));
                return;
            }
            why.add(new Decision("prefer_align_uncore_cache", "no uncore cache has " + needed
                    + " free CPUs: taken across caches"));
        }

        void takeFullCores(List<Integer> order) {
            for (int k : order) {
                CpuSet core = topo.cores().cpus().get(k);
                if (needed >= core.size() && left.isFull(core)) {
                    take(core);
                }
            }
        }

        void takeCpus(List<Integer> order) {
            List<Integer> pick = new ArrayList<>();
            for (int c : order) {
                if (pick.size() >= needed) {
                    break;
                }
                pick.add(c);
            }
            take(CpuSet.of(pick.stream().mapToInt(Integer::intValue).toArray()));
        }

        private boolean wholeCores(CpuSet cpus) {
            for (int c : cpus.cpus()) {
                if (!topo.siblings(c).isSubsetOf(cpus)) {
                    return false;
                }
            }
            return true;
        }
    }
}
