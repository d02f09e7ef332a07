package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import io.qtune.host.topology.CpuTopology;
import io.qtune.host.topology.HostTopology;
import io.qtune.host.topology.NumaNode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The host the planner plans for: CPUs grouped into cores, NUMA nodes, sockets and uncore caches.
 * Groups are numbered densely (index order = order of their lowest CPU) so the planner works on
 * arrays; the ids the user gave are kept for output.
 */
public final class Topology {
    /** The id reported for a NUMA node or socket whose id is unknown. */
    public static final int UNKNOWN = -1;

    private final List<Cpu> cpus;
    private final CpuSet all;
    private final Map<Integer, Cpu> byCpu = new HashMap<>();
    private final Groups cores;
    private final Groups nodes;
    private final Groups sockets;
    private final Groups uncores;

    /** One level of grouping: per group its id and CPUs; per CPU its group index. */
    public record Groups(List<Integer> ids, List<CpuSet> cpus, Map<Integer, Integer> indexOfCpu) {
        public int count() {
            return ids.size();
        }

        /** The group index of {@code cpu}, or -1 when it is in no group (unknown uncore). */
        public int of(int cpu) {
            return indexOfCpu.getOrDefault(cpu, -1);
        }

        /** The index of the group with id {@code id}, or -1. */
        public int indexOfId(int id) {
            return ids.indexOf(id);
        }
    }

    public Topology(List<Cpu> cpus) {
        this.cpus = List.copyOf(cpus);
        BitSet b = new BitSet();
        for (Cpu c : this.cpus) {
            if (byCpu.put(c.cpu(), c) != null) {
                throw new IllegalArgumentException("cpu " + c.cpu() + " is listed twice in the topology");
            }
            b.set(c.cpu());
        }
        if (this.cpus.isEmpty()) {
            throw new IllegalArgumentException("the topology has no CPUs");
        }
        this.all = CpuSet.fromBitSet(b);
        // a CPU with an unknown core is a core of its own: key it by its own number
        this.cores = group(c -> c.core() == null ? List.of("cpu", c.cpu()) : List.of("core", key(c.socket()), c.core()),
                c -> c.core() == null ? c.cpu() : c.core());
        this.nodes = group(c -> List.of(key(c.numa())), c -> key(c.numa()));
        this.sockets = group(c -> List.of(key(c.socket())), c -> key(c.socket()));
        this.uncores = group(c -> c.uncore() == null ? null : List.of(c.uncore()), Cpu::uncore);
    }

    private static int key(Integer v) {
        return v == null ? UNKNOWN : v;
    }

    private Groups group(java.util.function.Function<Cpu, List<Object>> keyOf,
            java.util.function.Function<Cpu, Integer> idOf) {
        Map<List<Object>, Integer> index = new LinkedHashMap<>();
        List<Integer> ids = new ArrayList<>();
        List<BitSet> sets = new ArrayList<>();
        Map<Integer, Integer> ofCpu = new HashMap<>();
        for (int cpu : all.cpus()) {
            Cpu c = byCpu.get(cpu);
            List<Object> k = keyOf.apply(c);
            if (k == null) {
                continue;
            }
            Integer i = index.get(k);
            if (i == null) {
                i = ids.size();
                index.put(k, i);
                ids.add(idOf.apply(c));
                sets.add(new BitSet());
            }
            sets.get(i).set(cpu);
            ofCpu.put(cpu, i);
        }
        return new Groups(List.copyOf(ids), sets.stream().map(CpuSet::fromBitSet).toList(), Map.copyOf(ofCpu));
    }

    /**
     * The online CPUs of a live host. Offline CPUs are left out (they cannot be handed out); the
     * core is named by its lowest SMT sibling, so cores of different dies never merge. The host
     * module does not read cache ids yet: uncore is unknown.
     */
    public static Topology fromHost(HostTopology host) {
        List<Cpu> out = new ArrayList<>();
        for (CpuTopology t : host.cpus()) {
            if (!t.online() || t.packageId() < 0) {
                continue;
            }
            Integer numa = host.nodeOf(t.cpu()).map(NumaNode::id).orElse(null);
            int core = t.threadSiblings().isEmpty() ? t.cpu() : t.threadSiblings().first();
            out.add(new Cpu(t.cpu(), core, t.packageId(), numa, null));
        }
        return new Topology(out);
    }

    public List<Cpu> cpus() {
        return cpus;
    }

    /** Every CPU of the model. */
    public CpuSet all() {
        return all;
    }

    public Cpu cpu(int cpu) {
        return Objects.requireNonNull(byCpu.get(cpu), () -> "cpu " + cpu + " is not in the topology");
    }

    public boolean has(int cpu) {
        return byCpu.containsKey(cpu);
    }

    /** Physical cores: SMT siblings share one. */
    public Groups cores() {
        return cores;
    }

    public Groups nodes() {
        return nodes;
    }

    public Groups sockets() {
        return sockets;
    }

    /** Uncore (last-level) caches; CPUs with an unknown cache are in none. */
    public Groups uncores() {
        return uncores;
    }

    /** The most SMT threads any core has. */
    public int threadsPerCore() {
        return cores.cpus().stream().mapToInt(CpuSet::size).max().orElse(1);
    }

    /** The SMT siblings of {@code cpu} (itself included). */
    public CpuSet siblings(int cpu) {
        return cores.cpus().get(cores.of(cpu));
    }

    /** The CPUs of the NUMA nodes with the given ids. */
    public CpuSet nodeCpus(CpuSet nodeIds) {
        CpuSet out = CpuSet.empty();
        for (int i = 0; i < nodes.count(); i++) {
            if (nodes.ids().get(i) >= 0 && nodeIds.contains(nodes.ids().get(i))) {
                out = out.union(nodes.cpus().get(i));
            }
        }
        return out;
    }

    /** The ids of the NUMA nodes holding any of {@code set} (unknown ones left out). */
    public CpuSet nodesOf(CpuSet set) {
        BitSet b = new BitSet();
        for (int cpu : set.cpus()) {
            int id = nodes.ids().get(nodes.of(cpu));
            if (id >= 0) {
                b.set(id);
            }
        }
        return CpuSet.fromBitSet(b);
    }
}
