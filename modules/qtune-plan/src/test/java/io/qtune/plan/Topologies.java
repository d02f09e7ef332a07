package io.qtune.plan;

import java.util.ArrayList;
import java.util.List;

/** Canned topologies: the kubelet's test hosts (cpu_assignment_test.go / policy_test.go) and a big one. */
final class Topologies {
    private Topologies() {
    }

    /** topoSingleSocketHT: 1 socket, 4 cores, 2 threads; core i = {i, i+4}. */
    static Topology singleSocketHt() {
        List<Cpu> c = new ArrayList<>();
        for (int cpu = 0; cpu < 8; cpu++) {
            c.add(new Cpu(cpu, cpu % 4, 0, 0, null));
        }
        return new Topology(c);
    }

    /** topoDualSocketHT: 2 sockets (one NUMA node each), 3 cores each; socket = cpu % 2, core = cpu % 6. */
    static Topology dualSocketHt() {
        List<Cpu> c = new ArrayList<>();
        for (int cpu = 0; cpu < 12; cpu++) {
            c.add(new Cpu(cpu, cpu % 6, cpu % 2, cpu % 2, null));
        }
        return new Topology(c);
    }

    /** topoDualSocketMultiNumaPerSocketHT: 80 CPUs, 2 sockets, 4 NUMA nodes of 10 cores; core = cpu % 40. */
    static Topology dualSocketMultiNumaHt() {
        List<Cpu> c = new ArrayList<>();
        for (int cpu = 0; cpu < 80; cpu++) {
            int core = cpu % 40;
            int numa = core / 10;
            c.add(new Cpu(cpu, core, numa / 2, numa, null));
        }
        return new Topology(c);
    }

    /** topoUncoreSingleSocketSMT (uncore_cache_test.go): 16 CPUs, 8 cores, 2 uncore caches of 4 cores. */
    static Topology uncoreSingleSocketSmt() {
        List<Cpu> c = new ArrayList<>();
        for (int cpu = 0; cpu < 16; cpu++) {
            int core = cpu % 8;
            c.add(new Cpu(cpu, core, 0, 0, core / 4));
        }
        return new Topology(c);
    }

    /**
     * A regular host: sockets x nodes per socket x cores per node x threads, Linux numbering (thread t of
     * core k is cpu t * cores + k), one uncore cache per {@code coresPerUncore} cores.
     */
    static Topology regular(int sockets, int nodesPerSocket, int coresPerNode, int threads, int coresPerUncore) {
        int cores = sockets * nodesPerSocket * coresPerNode;
        List<Cpu> c = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            for (int k = 0; k < cores; k++) {
                int node = k / coresPerNode;
                c.add(new Cpu(t * cores + k, k, node / nodesPerSocket, node, k / coresPerUncore));
            }
        }
        return new Topology(c);
    }
}
