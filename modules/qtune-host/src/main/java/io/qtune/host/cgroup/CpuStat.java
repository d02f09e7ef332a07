package io.qtune.host.cgroup;

/**
 * CFS bandwidth statistics of a group ({@code cpu.stat}): enforcement periods, periods in
 * which the group was throttled, and the total throttled time.
 */
public record CpuStat(long nrPeriods, long nrThrottled, long throttledNs) {
}
