package io.qtune.host.proc;

/**
 * One process: its pid and its start time (clock ticks after boot). A pid is reused once its
 * process is reaped; the pair names one process for the host's uptime.
 */
public record ProcessIdentity(int pid, long startTime) {
}
