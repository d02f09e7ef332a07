package io.qtune.core.spec;

/** libvirt's ranges (src/util/vircgroup.h), shared by spec validation and live operations. */
public final class Limits {
  public static final long SHARES_MIN = 2;
  public static final long SHARES_MAX = 262144;
  public static final long WEIGHT_MIN = 1;
  public static final long WEIGHT_MAX = 10000;
  public static final long PERIOD_MIN = 1000;
  public static final long PERIOD_MAX = 1000000;
  public static final long QUOTA_MIN = 1000;
  /** (1 << 44) - 1: the kernel's MAX_BW in microseconds. */
  public static final long QUOTA_MAX = 17592186044415L;
  public static final int RT_PRIORITY_MIN = 1;
  public static final int RT_PRIORITY_MAX = 99;

  private Limits() {}

  /** libvirt's SCHED_RANGE_CHECK message; null when the value is fine (0 = unset is fine). */
  public static String checkPeriod(String field, Long v) {
    if (v == null || v == 0 || (v >= PERIOD_MIN && v <= PERIOD_MAX)) {
      return null;
    }
    return "value of '" + field + "' is out of range [" + PERIOD_MIN + ", " + PERIOD_MAX + "]";
  }

  /** Quota: 1000..QUOTA_MAX, or negative for unlimited, or 0 for unset. */
  public static String checkQuota(String field, Long v) {
    if (v == null || v <= 0 || (v >= QUOTA_MIN && v <= QUOTA_MAX)) {
      return null;
    }
    return "value of '" + field + "' is out of range [" + QUOTA_MIN + ", " + QUOTA_MAX + "]";
  }

  public static String checkShares(long v) {
    if (v >= SHARES_MIN && v <= SHARES_MAX) {
      return null;
    }
    return "shares '" + v + "' must be in range [" + SHARES_MIN + ", " + SHARES_MAX + "]";
  }

  public static String checkWeight(long v) {
    if (v >= WEIGHT_MIN && v <= WEIGHT_MAX) {
      return null;
    }
    return "weight '" + v + "' must be in range [" + WEIGHT_MIN + ", " + WEIGHT_MAX + "]";
  }
}
