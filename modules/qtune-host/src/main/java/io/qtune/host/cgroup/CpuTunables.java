package io.qtune.host.cgroup;

/**
 * CPU tunable ranges (libvirt's, from vircgroup.h) and the v1 shares to v2 weight conversion.
 *
 * <h2>Shares to weight</h2>
 * libvirt writes {@code <shares>} verbatim into {@code cpu.weight}, so the v1 default 1024 becomes
 * ten times the v2 default (100) and values above 10000 fail. qtune uses the log-scale mapping
 * runc, crun and Kubernetes adopted in 2025 (runc PR #4785): it maps the bounds to the bounds
 * (2 to 1, 262144 to 10000) and the default to the default (1024 to 100), so a VM given the
 * default share keeps the default weight next to every other workload on a v2 host:
 * <pre>  l = log2(shares); weight = ceil(10^((l^2 + 125 l) / 612 - 7/34))</pre>
 * Weights given directly ({@link CpuCgroup#setWeight(long)}) are written as they are.
 */
public final class CpuTunables {
    public static final long SHARES_MIN = 2;
    public static final long SHARES_MAX = 262144;
    public static final long WEIGHT_MIN = 1;
    public static final long WEIGHT_MAX = 10000;
    public static final long PERIOD_MIN = 1000;
    public static final long PERIOD_MAX = 1000000;
    public static final long QUOTA_MIN = 1000;
    /** (1 << 44) - 1: the kernel's MAX_BW in microseconds; v2 writes it as {@code max}. */
    public static final long QUOTA_MAX = 17592186044415L;

    private CpuTunables() {
    }

    public static void checkShares(long shares) {
        if (shares < SHARES_MIN || shares > SHARES_MAX) {
            throw new CgroupValueException("shares", shares,
                    "shares '" + shares + "' must be in range [" + SHARES_MIN + ", " + SHARES_MAX + "]");
        }
    }

    public static void checkWeight(long weight) {
        if (weight < WEIGHT_MIN || weight > WEIGHT_MAX) {
            throw new CgroupValueException("weight", weight,
                    "weight '" + weight + "' must be in range [" + WEIGHT_MIN + ", " + WEIGHT_MAX + "]");
        }
    }

    public static void checkPeriod(long period) {
        if (period < PERIOD_MIN || period > PERIOD_MAX) {
            throw new CgroupValueException("cfs_period", period,
                    "cfs_period '" + period + "' must be in range [" + PERIOD_MIN + ", " + PERIOD_MAX + "]");
        }
    }

    /** Negative means unlimited; otherwise 1000..(1<<44)-1. */
    public static void checkQuota(long quota) {
        if (quota >= 0 && (quota < QUOTA_MIN || quota > QUOTA_MAX)) {
            throw new CgroupValueException("cfs_quota", quota, "cfs_quota '" + quota + "' must be in range ["
                    + QUOTA_MIN + ", " + QUOTA_MAX + "] or negative for unlimited");
        }
    }

    /**
     * Converts v1 {@code cpu.shares} (2..262144) to a v2 {@code cpu.weight} (1..10000) with the
     * runc/Kubernetes log-scale formula (see the class comment): 2 to 1, 1024 to 100, 262144 to 10000.
     */
    public static long sharesToWeight(long shares) {
        checkShares(shares);
        if (shares <= SHARES_MIN) {
            return WEIGHT_MIN;
        }
        if (shares >= SHARES_MAX) {
            return WEIGHT_MAX;
        }
        double l = Math.log(shares) / Math.log(2);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        // round off float noise first so exact powers (1024 -> 10^2) do not ceil to 101
        double w = Math.ceil(Math.round(Math.pow(10, exponent) * 1e9) / 1e9);
        return Math.max(WEIGHT_MIN, Math.min(WEIGHT_MAX, (long) w));
    }
}
