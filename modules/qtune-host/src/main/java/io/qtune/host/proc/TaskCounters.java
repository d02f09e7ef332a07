package io.qtune.host.proc;

import io.qtune.host.HostFiles;
import io.qtune.host.HostReadException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The scheduler counters of one thread, for metrics: {@code schedstat} (time on CPU, time waiting
 * on a run queue, timeslices), the CPU it last ran on ({@code stat} field 39) and its voluntary and
 * involuntary context switches ({@code status}). Three small reads per thread, nothing else.
 *
 * @param runNs time on CPU ({@code schedstat} field 1)
 * @param waitNs time runnable but waiting for a CPU ({@code schedstat} field 2)
 * @param timeslices timeslices run ({@code schedstat} field 3)
 * @param lastCpu the CPU it last ran on
 */
public record TaskCounters(int tid, long runNs, long waitNs, long timeslices, int lastCpu,
        long voluntarySwitches, long involuntarySwitches) {

    /**
     * Reads thread {@code tid} of {@code pid} under {@code root}/proc; empty when the thread (or
     * its process) is gone, also when it vanishes between two of the reads.
     *
     * @throws HostReadException when a file exists but does not read as the kernel writes it
     */
    public static Optional<TaskCounters> read(Path root, int pid, int tid) {
        Path dir = root.resolve("proc").resolve(Integer.toString(pid)).resolve("task").resolve(Integer.toString(tid));
        Optional<String> schedstat = HostFiles.readIfExists(dir.resolve("schedstat"));
        Optional<String> stat = schedstat.isEmpty() ? Optional.empty() : HostFiles.readIfExists(dir.resolve("stat"));
        Optional<String> status = stat.isEmpty() ? Optional.empty() : HostFiles.readIfExists(dir.resolve("status"));
        if (status.isEmpty()) {
            return Optional.empty();
        }
        long[] ss = schedstat(dir.resolve("schedstat"), schedstat.get());
        int lastCpu = lastCpu(dir.resolve("stat"), stat.get());
        long voluntary = statusField(dir.resolve("status"), status.get(), "voluntary_ctxt_switches:");
        long involuntary = statusField(dir.resolve("status"), status.get(), "nonvoluntary_ctxt_switches:");
        return Optional.of(new TaskCounters(tid, ss[0], ss[1], ss[2], lastCpu, voluntary, involuntary));
    }

    private static long[] schedstat(Path file, String text) {
        String[] f = text.trim().split("\\s+");
        if (f.length < 3) {
            throw new HostReadException(file, "expected 'run_ns wait_ns timeslices', got '" + text + "'");
        }
        try {
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
        } catch (NumberFormatException e) {
            throw new HostReadException(file, "expected numbers, got '" + text + "'", null, e);
        }
    }

    private static int lastCpu(Path file, String text) {
        // comm may hold spaces and ')': the fields start after the LAST ')'; field n is f[n - 3]
        int close = text.lastIndexOf(')');
        String[] f = close < 0 ? new String[0] : text.substring(close + 1).trim().split(" +");
        if (f.length <= 39 - 3) {
            throw new HostReadException(file, "expected at least 39 fields");
        }
        try {
            return Integer.parseInt(f[39 - 3]);
        } catch (NumberFormatException e) {
            throw new HostReadException(file, "field 39 (processor) is not a number: '" + f[39 - 3] + "'", null, e);
        }
    }

    private static long statusField(Path file, String text, String key) {
        for (String line : text.split("\n")) {
            if (line.startsWith(key)) {
                try {
                    return Long.parseLong(line.substring(key.length()).trim());
                } catch (NumberFormatException e) {
                    throw new HostReadException(file, "'" + line + "' is not a number", null, e);
                }
            }
        }
        throw new HostReadException(file, "no '" + key + "' line");
    }
}
