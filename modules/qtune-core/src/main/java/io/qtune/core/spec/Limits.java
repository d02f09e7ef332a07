package io.qtune.core.spec;

import static io.qtune.host.cgroup.CpuTunables.PERIOD_MAX;
import static io.qtune.host.cgroup.CpuTunables.PERIOD_MIN;
import static io.qtune.host.cgroup.CpuTunables.QUOTA_MAX;
import static io.qtune.host.cgroup.CpuTunables.QUOTA_MIN;
import static io.qtune.host.cgroup.CpuTunables.SHARES_MAX;
import static io.qtune.host.cgroup.CpuTunables.SHARES_MIN;
import static io.qtune.host.cgroup.CpuTunables.WEIGHT_MAX;
import static io.qtune.host.cgroup.CpuTunables.WEIGHT_MIN;

/**
 * libvirt's range checks and messages (qemu_driver.c SCHED_RANGE_CHECK, vircgroup.c) over the
 * host module's ranges, shared by spec validation and live operations.
 */
public final class Limits {
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
