package io.qtune.host.proc;

/**
 * {@code /proc/<pid>/task/<tid>/schedstat}: time on CPU, time waiting on a run queue (what
 * shows a starved vCPU) and number of timeslices run.
 */
public record SchedStat(long runNs, long waitNs, long timeslices) {
}
