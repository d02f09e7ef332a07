package io.qtune.plan;

import java.util.function.Predicate;

/** k-subsets of 0..n-1 in lexicographic order, with a cap on how many are looked at. */
final class Combinations {
    /** Above this many subsets the callers fall back to a greedy choice (planning stays fast). */
    static final long LIMIT = 4096;

    private Combinations() {
    }

    static long count(int n, int k) {
        long c = 1;
        for (int i = 0; i < k; i++) {
            c = c * (n - i) / (i + 1);
            if (c > Long.MAX_VALUE / 64) {
                return Long.MAX_VALUE;
            }
        }
        return c;
    }

    /** Calls {@code f} on each subset until it returns false. */
    static void each(int n, int k, Predicate<int[]> f) {
        int[] idx = new int[k];
        for (int i = 0; i < k; i++) {
            idx[i] = i;
        }
        while (true) {
            if (!f.test(idx.clone())) {
                return;
            }
            int i = k - 1;
            while (i >= 0 && idx[i] == n - k + i) {
                i--;
            }
            if (i < 0) {
                return;
            }
            idx[i]++;
            for (int j = i + 1; j < k; j++) {
                idx[j] = idx[j - 1] + 1;
            }
        }
    }
}
