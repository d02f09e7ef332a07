package io.qtune.host.proc;

import io.qtune.host.cpu.CpuSet;

/**
 * Facts about one thread from {@code /proc/<pid>/task/<tid>/}.
 *
 * @param comm thread name ({@code CPU 0/KVM})
 * @param state state letter (R, S, D, Z, ...)
 * @param lastCpu the CPU it last ran on
 * @param cpuTimeNs user + system time
 * @param cpusAllowed {@code Cpus_allowed_list}
 * @param schedstat run time, run-queue wait, timeslices (null when the kernel lacks schedstats)
 */
public record ThreadStat(int tid, String comm, char state, int lastCpu, long cpuTimeNs, CpuSet cpusAllowed,
        SchedStat schedstat) {
}
