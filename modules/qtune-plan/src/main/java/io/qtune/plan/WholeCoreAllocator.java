package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import java.util.List;

/**
 * thread_policy isolate and require: only cores whose every SMT thread is free, so no other VM ever
 * shares a core with this one. isolate uses one thread per core and keeps its siblings idle (Nova's
 * isolate on a host with SMT); require fills each core's threads and keeps a last core's unused
 * threads idle rather than give them to another VM.
 */
final class WholeCoreAllocator implements Allocator {
    private final Topology topo;
    private final boolean oneThreadPerCore;
    private final int minThreads;

    /**
     * @param minThreads the fewest SMT threads a usable core has (2 for require: a core without
     *        siblings does not satisfy it)
     */
    WholeCoreAllocator(Topology topo, boolean oneThreadPerCore, int minThreads) {
        this.topo = topo;
        this.oneThreadPerCore = oneThreadPerCore;
        this.minThreads = minThreads;
    }

    private int minThreads() {
        return minThreads;
    }

    @Override
    public int capacity(Pool pool) {
        if (oneThreadPerCore) {
            return pool.fullCores(1).size();
        }
        int n = 0;
        for (int k : pool.fullCores(minThreads)) {
            n += topo.cores().cpus().get(k).size();
        }
        return n;
    }

    @Override
    public int need(int vcpus, int emulator) {
        if (oneThreadPerCore) {
            return vcpus + emulator;
        }
        int t = Math.max(minThreads, topo.threadsPerCore());
        return (vcpus + t - 1) / t * t + (emulator + t - 1) / t * t;
    }

    @Override
    public String unit() {
        return oneThreadPerCore ? "whole free cores" : "CPUs on whole free SMT cores";
    }

    @Override
    public Taken take(Pool pool, int n, List<Decision> why) {
        if (n == 0) {
            return Taken.NONE;
        }
        CpuSet cpus = CpuSet.empty();
        CpuSet held = CpuSet.empty();
        int needed = n;
        for (int k : pool.fullCores(minThreads())) {
            if (needed <= 0) {
                break;
            }
            int[] threads = topo.cores().cpus().get(k).cpus();
            int use = oneThreadPerCore ? 1 : Math.min(needed, threads.length);
            for (int i = 0; i < threads.length; i++) {
                if (i < use) {
                    cpus = cpus.union(CpuSet.of(threads[i]));
                } else {
                    held = held.union(CpuSet.of(threads[i]));
                }
            }
            needed -= use;
        }
        if (needed > 0) {
            return null;
        }
        pool.take(cpus.union(held));
        if (!held.isEmpty()) {
            why.add(new Decision("thread_policy", (oneThreadPerCore ? "isolate" : "require")
                    + ": SMT siblings " + held + " kept idle, never given to another VM"));
        }
        return new Taken(cpus, held);
    }
}
