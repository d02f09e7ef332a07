package io.qtune.plan;

import java.util.Arrays;

/**
 * distribute-cpus-across-numa (Kubernetes KEP-2902, {@code takeByTopologyNUMADistributed}): the
 * fewest NUMA nodes across which the CPUs split evenly in groups of {@code cpu_group_size}, the
 * remainder groups going where they keep free CPUs most balanced (lowest standard deviation).
 */
final class Distributor {
    private Distributor() {
    }

    /** Per node index, how many CPUs to take there; null when no even split exists. */
    static int[] split(Pool pool, Allocator alloc, int count, int group) {
        Topology.Groups nodes = pool.topology().nodes();
        int n = nodes.count();
        int[] cap = new int[n];
        for (int g = 0; g < n; g++) {
            cap[g] = alloc.capacity(pool.restrict(nodes.cpus().get(g)));
        }
        for (int k = 1; k <= n; k++) {
            if (Combinations.count(n, k) > Combinations.LIMIT) {
                return null;
            }
            int kk = k;
            int[][] best = {null};
            double[] bestScore = {Double.MAX_VALUE};
            Combinations.each(n, k, combo -> {
                int[] take = evenSplit(combo, cap, count, group, kk);
                if (take != null) {
                    double s = balance(cap, take);
                    if (s < bestScore[0]) {
                        bestScore[0] = s;
                        best[0] = take;
                    }
                }
                return bestScore[0] > 0;
            });
            if (best[0] != null) {
                return best[0];
            }
        }
        return null;
    }

    private static int[] evenSplit(int[] combo, int[] cap, int count, int group, int k) {
        int even = count / k / group * group;
        int[] take = new int[cap.length];
        int total = 0;
        for (int g : combo) {
            if (cap[g] < even) {
                return null;
            }
            take[g] = even;
            total += even;
        }
        // the remainder, one group at a time, to the node of the combo with the most room left
        while (total < count) {
            int bestNode = -1;
            for (int g : combo) {
                int room = cap[g] - take[g];
                if (room >= group && take[g] == even && (bestNode < 0 || room > cap[bestNode] - take[bestNode])) {
                    bestNode = g;
                }
            }
            if (bestNode < 0) {
                return null;
            }
            take[bestNode] += group;
            total += group;
        }
        return take;
    }

    private static double balance(int[] cap, int[] take) {
        double[] left = new double[cap.length];
        for (int i = 0; i < cap.length; i++) {
            left[i] = cap[i] - take[i];
        }
        double mean = Arrays.stream(left).average().orElse(0);
        double var = Arrays.stream(left).map(x -> (x - mean) * (x - mean)).average().orElse(0);
        return Math.sqrt(var);
    }
}
