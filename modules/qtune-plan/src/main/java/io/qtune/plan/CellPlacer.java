package io.qtune.plan;

import io.qtune.plan.PlanRequest.NumaStrategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Guest NUMA cells onto host nodes, as Nova's {@code numa_fit_instance_to_host}: each cell on its
 * own host node, nodes tried fullest first under pack and emptiest first under spread (Nova's
 * {@code packing_host_numa_cells_allocation_strategy}), the first assignment that fits wins.
 */
final class CellPlacer {
    private CellPlacer() {
    }

    /**
     * @param needs per cell, the capacity it needs on its node
     * @param preferred node indexes tried before the others (numa_affinity)
     * @return per cell the node index, or null when no assignment fits
     */
    static int[] place(Pool pool, Allocator alloc, int[] needs, NumaStrategy strategy, List<Integer> preferred) {
        Topology.Groups nodes = pool.topology().nodes();
        int n = nodes.count();
        int[] cap = new int[n];
        for (int g = 0; g < n; g++) {
            cap[g] = alloc.capacity(pool.restrict(nodes.cpus().get(g)));
        }
        List<Integer> order = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            order.add(g);
        }
        Comparator<Integer> byRoom = strategy == NumaStrategy.PACK
                ? Comparator.comparingInt(g -> cap[g])
                : Comparator.comparingInt(g -> -cap[g]);
        order.sort(Comparator.<Integer>comparingInt(g -> preferred.contains(g) ? 0 : 1).thenComparing(byRoom)
                .thenComparingInt(g -> g));
        int[] out = new int[needs.length];
        boolean[] used = new boolean[n];
        return assign(0, needs, cap, order, used, out) ? out : null;
    }

    private static boolean assign(int cell, int[] needs, int[] cap, List<Integer> order, boolean[] used, int[] out) {
        if (cell == needs.length) {
            return true;
        }
        for (int g : order) {
            if (!used[g] && cap[g] >= needs[cell]) {
                used[g] = true;
                out[cell] = g;
                if (assign(cell + 1, needs, cap, order, used, out)) {
                    return true;
                }
                used[g] = false;
            }
        }
        return false;
    }
}
