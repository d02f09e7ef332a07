package io.qtune.host.proc;

import io.qtune.host.HostFiles;
import io.qtune.host.HostReadException;
import io.qtune.host.cpu.CpuSet;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads processes and threads from {@code <root>/proc}. */
public final class ProcFs {
    /** USER_HZ: the unit of utime/stime in /proc stat files; 100 on every Linux ABI qtune targets. */
    static final long USER_HZ = 100;

    private final Path proc;

    /** @param root "/" on a live host, or a captured tree holding {@code proc/} */
    public ProcFs(Path root) {
        this.proc = root.resolve("proc");
    }

    /** TIDs of {@code pid}'s threads, ascending; empty if the process is gone. */
    public List<Integer> tasks(int pid) {
        Path dir = proc.resolve(Integer.toString(pid)).resolve("task");
        List<Integer> tids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                    tids.add(Integer.parseInt(n));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new HostReadException(dir, String.valueOf(e.getMessage()), io.qtune.host.Errno.of(e).orElse(null), e);
        }
        Collections.sort(tids);
        return tids;
    }

    /** True if {@code tid} is a thread of process {@code pid}. */
    public boolean isTaskOf(int pid, int tid) {
        return Files.isDirectory(proc.resolve(Integer.toString(pid)).resolve("task").resolve(Integer.toString(tid)));
    }

    /** True if {@code pid} exists and is not a zombie. */
    public boolean isAlive(int pid) {
        Optional<String> stat = HostFiles.readIfExists(proc.resolve(Integer.toString(pid)).resolve("stat"));
        if (stat.isEmpty()) {
            return false;
        }
        char state = parseStat(proc.resolve(Integer.toString(pid)).resolve("stat"), stat.get()).state;
        return state != 'Z' && state != 'X';
    }

    /** Facts about thread {@code tid} of {@code pid}; empty if it does not exist (any more). */
    public Optional<ThreadStat> thread(int pid, int tid) {
        Path dir = proc.resolve(Integer.toString(pid)).resolve("task").resolve(Integer.toString(tid));
        Optional<String> stat = HostFiles.readIfExists(dir.resolve("stat"));
        Optional<String> status = HostFiles.readIfExists(dir.resolve("status"));
        if (stat.isEmpty() || status.isEmpty()) {
            return Optional.empty();
        }
        Stat s = parseStat(dir.resolve("stat"), stat.get());
        CpuSet allowed = CpuSet.empty();
        for (String line : status.get().split("\n")) {
            if (line.startsWith("Cpus_allowed_list:")) {
                allowed = CpuSet.parseList(line.substring("Cpus_allowed_list:".length()));
            }
        }
        SchedStat ss = HostFiles.readIfExists(dir.resolve("schedstat")).map(t -> parseSchedStat(dir.resolve("schedstat"), t))
                .orElse(null);
        return Optional.of(new ThreadStat(tid, s.comm, s.state, s.lastCpu, s.cpuTimeNs, allowed, ss));
    }

    /**
     * {@code /proc/<pid>/cgroup} as controller list → path: {@code "cpu,cpuacct"} → {@code "/machine/x"},
     * {@code "name=systemd"} → ..., and the cgroup v2 entry under key {@code ""}.
     */
    public Map<String, String> cgroups(int pid) {
        return parseCgroups(proc.resolve(Integer.toString(pid)).resolve("cgroup"));
    }

    /** Same as {@link #cgroups(int)} for one thread. */
    public Map<String, String> threadCgroups(int pid, int tid) {
        return parseCgroups(proc.resolve(Integer.toString(pid)).resolve("task").resolve(Integer.toString(tid)).resolve("cgroup"));
    }

    /** Parses a {@code /proc/<pid>/cgroup} file. */
    public static Map<String, String> parseCgroups(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : HostFiles.read(file).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0) {
                throw new HostReadException(file, "line '" + line + "' is not hierarchy:controllers:path");
            }
            out.put(line.substring(a + 1, b), line.substring(b + 1));
        }
        return out;
    }

    private record Stat(String comm, char state, int lastCpu, long cpuTimeNs, long startTime) {
    }

    /**
     * The process now at {@code pid}, with its start time (field 22 of {@code /proc/<pid>/stat},
     * clock ticks after boot): a pid can be reused, the pair cannot. Empty when no live process
     * has that pid.
     */
    public Optional<ProcessIdentity> identity(int pid) {
        Path file = proc.resolve(Integer.toString(pid)).resolve("stat");
        Optional<String> stat = HostFiles.readIfExists(file);
        if (stat.isEmpty()) {
            return Optional.empty();
        }
        Stat s = parseStat(file, stat.get());
        return s.state == 'Z' || s.state == 'X' ? Optional.empty() : Optional.of(new ProcessIdentity(pid, s.startTime));
    }

    /** Whether {@code id} is still the process at its pid (alive, not a later one that took the pid). */
    public boolean isCurrent(ProcessIdentity id) {
        return identity(id.pid()).map(id::equals).orElse(false);
    }

    private static Stat parseStat(Path file, String text) {
        // comm may contain spaces and ')' - it ends at the LAST ')'
        int open = text.indexOf('(');
        int close = text.lastIndexOf(')');
        if (open < 0 || close < open || close + 2 >= text.length()) {
            throw new HostReadException(file, "unexpected stat format");
        }
        String comm = text.substring(open + 1, close);
        String[] f = text.substring(close + 2).trim().split(" +");
        // f[0] is field 3 (state); field n is f[n-3]
        try {
            char state = f[0].charAt(0);
            long utime = Long.parseLong(f[14 - 3]);
            long stime = Long.parseLong(f[15 - 3]);
            int lastCpu = f.length > 39 - 3 ? Integer.parseInt(f[39 - 3]) : -1;
            long start = Long.parseLong(f[22 - 3]);
            return new Stat(comm, state, lastCpu, (utime + stime) * (1_000_000_000L / USER_HZ), start);
        } catch (RuntimeException e) {
            throw new HostReadException(file, "unexpected stat format: " + e.getMessage(), null, e);
        }
    }

    private static SchedStat parseSchedStat(Path file, String text) {
        String[] f = text.trim().split("\\s+");
        if (f.length < 3) {
            throw new HostReadException(file, "expected 'run_ns wait_ns timeslices', got '" + text + "'");
        }
        try {
            return new SchedStat(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
        } catch (NumberFormatException e) {
            throw new HostReadException(file, "expected numbers, got '" + text + "'", null, e);
        }
    }
}
