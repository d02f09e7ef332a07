package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;

/** What is free, in one line for an error: the CPUs, whole cores, and per NUMA node. */
final class FreeText {
    private FreeText() {
    }

    static String of(Pool pool) {
        Topology t = pool.topology();
        CpuSet free = pool.free();
        StringBuilder sb = new StringBuilder();
        sb.append(free.size()).append(" CPUs");
        if (!free.isEmpty()) {
            sb.append(" (").append(free).append(")");
        }
        sb.append(", ").append(pool.fullCores(1).size()).append(" whole free cores");
        if (t.nodes().count() > 1) {
            int[] perNode = pool.freePer(t.nodes());
            sb.append("; per NUMA node:");
            for (int i = 0; i < perNode.length; i++) {
                sb.append(' ').append(nodeName(t, i)).append('=').append(perNode[i]);
            }
        }
        return sb.toString();
    }

    static String nodeName(Topology t, int index) {
        int id = t.nodes().ids().get(index);
        return id < 0 ? "unknown" : String.valueOf(id);
    }
}
