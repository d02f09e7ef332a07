package io.qtune.plan;

import io.qtune.plan.PlanRequest.NumaStrategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which NUMA nodes (or sockets, with align-by-socket) a VM without guest NUMA cells goes on: the
 * fewest that can hold it, as the topology manager's narrowest hint; among equally narrow sets, pack
 * takes the one with the least room left (best fit), spread the one with the most.
 */
final class NodeChooser {
    private NodeChooser() {
    }

    /**
     * @param must group indexes the set must contain (numa_affinity)
     * @return the chosen group indexes, ascending; null when even all groups cannot hold {@code need}
     */
    static int[] choose(Pool pool, Allocator alloc, Topology.Groups level, int need, NumaStrategy strategy,
            int[] must) {
        int n = level.count();
        int[] cap = new int[n];
        for (int g = 0; g < n; g++) {
            cap[g] = alloc.capacity(pool.restrict(level.cpus().get(g)));
        }
        if (Arrays.stream(cap).sum() < need) {
            return null;
        }
        boolean[] isMust = new boolean[n];
        int mustCap = 0;
        for (int g : must) {
            isMust[g] = true;
            mustCap += cap[g];
        }
        List<Integer> rest = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            if (!isMust[g]) {
                rest.add(g);
            }
        }
        // the fewest extra groups that can possibly reach need: largest capacities first
        List<Integer> byCap = new ArrayList<>(rest);
        byCap.sort(Comparator.<Integer>comparingInt(g -> -cap[g]).thenComparingInt(g -> g));
        int minExtra = 0;
        for (int sum = mustCap; sum < need; minExtra++) {
            sum += cap[byCap.get(minExtra)];
        }
        for (int k = minExtra; k <= rest.size(); k++) {
            int[] best = pick(rest, k, cap, need - mustCap, strategy, byCap);
            if (best != null) {
                int[] out = new int[must.length + best.length];
                System.arraycopy(must, 0, out, 0, must.length);
                System.arraycopy(best, 0, out, must.length, best.length);
                Arrays.sort(out);
                return out;
            }
        }
        return null;
    }

    private static int[] pick(List<Integer> rest, int k, int[] cap, int need, NumaStrategy strategy,
            List<Integer> byCap) {
        if (k == 0) {
            return need <= 0 ? new int[0] : null;
        }
        if (Combinations.count(rest.size(), k) > Combinations.LIMIT) {
            // too many sets to compare: the k roomiest groups (they fit if any k do)
            int[] g = byCap.subList(0, k).stream().mapToInt(Integer::intValue).toArray();
            return Arrays.stream(g).map(i -> cap[i]).sum() >= need ? g : null;
        }
        int[][] best = {null};
        int[] bestSum = {0};
        Combinations.each(rest.size(), k, idx -> {
            int sum = 0;
            int[] g = new int[k];
            for (int i = 0; i < k; i++) {
                g[i] = rest.get(idx[i]);
                sum += cap[g[i]];
            }
            if (sum >= need && (best[0] == null
                    || (strategy == NumaStrategy.PACK ? sum < bestSum[0] : sum > bestSum[0]))) {
                best[0] = g;
                bestSum[0] = sum;
            }
            return true;
        });
        return best[0];
    }
}
