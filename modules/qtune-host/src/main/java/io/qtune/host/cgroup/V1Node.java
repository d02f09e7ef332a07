package io.qtune.host.cgroup;

import io.qtune.host.cpu.CpuSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A cgroup v1 group: one directory per controller (cpu and cpuacct may share one). */
final class V1Node implements CgroupNode {
    private final Map<String, Path> dirs;

    V1Node(Map<String, Path> dirs) {
        this.dirs = new LinkedHashMap<>(dirs);
    }

    /** The distinct directories (joint cpu,cpuacct counted once). */
    Set<Path> distinctDirs() {
        return new LinkedHashSet<>(dirs.values());
    }

    Map<String, Path> dirs() {
        return dirs;
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V1;
    }

    @Override
    public Path path(String controller) {
        Path p = dirs.get(controller);
        if (p == null) {
            throw new CgroupException("cgroup v1 controller '" + controller + "' is not mounted or not used for "
                    + primary() + " (available: " + dirs.keySet() + ")");
        }
        return p;
    }

    @Override
    public Path primary() {
        return dirs.containsKey("cpu") ? dirs.get("cpu") : dirs.values().iterator().next();
    }

    @Override
    public boolean exists() {
        // any hierarchy: on a systemd host systemd removes the scope from the hierarchies it
        // manages (cpu, cpuacct) by itself, and what is left in cpuset is still ours to remove
        return distinctDirs().stream().anyMatch(Files::isDirectory);
    }

    @Override
    public boolean whole() {
        if (!distinctDirs().stream().allMatch(Files::isDirectory)) {
            return false;
        }
        // a cpuset group starts without CPUs and memory nodes: one a qtune killed right after its
        // mkdir left unfilled can hold no thread (ENOSPC), so it is made again, not taken as made
        Path cpuset = dirs.get("cpuset");
        return cpuset == null || List.of("cpuset.cpus", "cpuset.mems").stream()
                .noneMatch(f -> CgroupFile.read(cpuset.resolve(f)).isBlank());
    }

    @Override
    public boolean finishedThreadChild() {
        if (!whole()) {
            return false;
        }
        Path cpuset = dirs.get("cpuset");
        return cpuset == null || CgroupFile.read(cpuset.resolve("cpuset.memory_migrate")).trim()
                .equals(CgroupFile.read(cpuset.getParent().resolve("cpuset.memory_migrate")).trim());
    }

    @Override
    public V1Node child(String name) {
        Map<String, Path> c = new LinkedHashMap<>();
        dirs.forEach((k, v) -> c.put(k, v.resolve(name)));
        return new V1Node(c);
    }

    @Override
    public List<String> childNames() {
        Set<String> out = new java.util.TreeSet<>();
        for (Path d : distinctDirs()) {
            for (Path p : CgroupFile.children(d)) {
                out.add(p.getFileName().toString());
            }
        }
        return new ArrayList<>(out);
    }

    /** mkdir in every controller; cpuset inherits cpus/mems from the parent before any attach. */
    V1Node make(boolean inheritMemoryMigrate) {
        for (Map.Entry<String, Path> e : dirs.entrySet()) {
            Path dir = e.getValue();
            boolean created = CgroupFile.mkdir(dir);
            if (e.getKey().equals("cpuset")) {
                inheritCpuset(dir, created, inheritMemoryMigrate);
            }
        }
        return this;
    }

    private static void inheritCpuset(Path dir, boolean created, boolean memoryMigrate) {
        Path parent = dir.getParent();
        // an existing group may still be empty (e.g. left by a crash): fill it the same way
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            if (created || CgroupFile.read(dir.resolve(f)).isBlank()) {
                CgroupFile.write(dir.resolve(f), CgroupFile.read(parent.resolve(f)));
            }
        }
        if (memoryMigrate) {
            // an existing group too: one made by a process killed right after its mkdir still has
            // the kernel's 0, and converging means libvirt's value (the domain's 1)
            String want = CgroupFile.read(parent.resolve("cpuset.memory_migrate")).trim();
            if (created || !CgroupFile.read(dir.resolve("cpuset.memory_migrate")).trim().equals(want)) {
                CgroupFile.write(dir.resolve("cpuset.memory_migrate"), want);
            }
        }
    }

    @Override
    public CgroupNode createThreadChild(String name) {
        return child(name).make(true);
    }

    @Override
    public void setShares(long shares) {
        CpuTunables.checkShares(shares);
        CgroupFile.write(path("cpu").resolve("cpu.shares"), Long.toString(shares));
    }

    @Override
    public long shares() {
        return CgroupFile.readLong(path("cpu").resolve("cpu.shares"));
    }

    @Override
    public void setWeight(long weight) {
        CpuTunables.checkWeight(weight);
        throw new CgroupException("cpu.weight is a cgroup v2 file; on this cgroup v1 host set cpu.shares "
                + "(setShares, range [2, 262144]) instead");
    }

    @Override
    public long weight() {
        throw new CgroupException("cpu.weight is a cgroup v2 file; on this cgroup v1 host read shares()");
    }

    @Override
    public void setCfsPeriod(long period) {
        CpuTunables.checkPeriod(period);
        CgroupFile.write(path("cpu").resolve("cpu.cfs_period_us"), Long.toString(period));
    }

    @Override
    public long cfsPeriod() {
        return CgroupFile.readLong(path("cpu").resolve("cpu.cfs_period_us"));
    }

    @Override
    public void setCfsQuota(long quota) {
        CpuTunables.checkQuota(quota);
        CgroupFile.write(path("cpu").resolve("cpu.cfs_quota_us"), Long.toString(quota < 0 ? -1 : quota));
    }

    @Override
    public long cfsQuota() {
        return CgroupFile.readLong(path("cpu").resolve("cpu.cfs_quota_us"));
    }

    @Override
    public void setCpus(CpuSet cpus) {
        CgroupFile.write(path("cpuset").resolve("cpuset.cpus"), cpus.toList());
    }

    @Override
    public CpuSet cpus() {
        return list(path("cpuset").resolve("cpuset.cpus"));
    }

    @Override
    public CpuSet effectiveCpus() {
        return list(path("cpuset").resolve("cpuset.effective_cpus"));
    }

    @Override
    public void setMems(CpuSet mems) {
        CgroupFile.write(path("cpuset").resolve("cpuset.mems"), mems.toList());
    }

    @Override
    public CpuSet mems() {
        return list(path("cpuset").resolve("cpuset.mems"));
    }

    @Override
    public CpuSet effectiveMems() {
        return list(path("cpuset").resolve("cpuset.effective_mems"));
    }

    static CpuSet list(Path file) {
        String t = CgroupFile.read(file);
        try {
            return CpuSet.parseList(t);
        } catch (IllegalArgumentException e) {
            throw new CgroupReadException(file, "not a CPU list: '" + t + "'", null, e);
        }
    }

    @Override
    public CpuStat cpuStat() {
        Path file = path("cpu").resolve("cpu.stat");
        Map<String, Long> kv = keyValues(file);
        return new CpuStat(kv.getOrDefault("nr_periods", 0L), kv.getOrDefault("nr_throttled", 0L),
                kv.getOrDefault("throttled_time", 0L));
    }

    static Map<String, Long> keyValues(Path file) {
        Map<String, Long> kv = new LinkedHashMap<>();
        for (String line : CgroupFile.read(file).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                try {
                    kv.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException e) {
                    throw new CgroupReadException(file, "bad line '" + line + "'", null, e);
                }
            }
        }
        return kv;
    }

    @Override
    public long usageNs() {
        if (dirs.containsKey("cpuacct")) {
            return CgroupFile.readLong(path("cpuacct").resolve("cpuacct.usage"));
        }
        // no cpuacct group (libvirt's tree beside a cgroup2 mount, or no cpuacct at all): the on-CPU
        // time of the group's current threads, first field of /proc/TID/schedstat (ns)
        long sum = 0;
        for (int tid : threads()) {
            Path stat = Path.of("/proc", Integer.toString(tid), "schedstat");
            try {
                sum += Long.parseLong(Files.readString(stat).trim().split("\\s+")[0]);
            } catch (java.nio.file.NoSuchFileException gone) {
                // the thread exited since the tasks file was read
            } catch (java.io.IOException | RuntimeException e) {
                throw new CgroupReadException(stat, "cannot read CPU time: " + e.getMessage(), null, e);
            }
        }
        return sum;
    }

    @Override
    public List<Integer> threads() {
        return members("tasks");
    }

    @Override
    public List<Integer> processes() {
        return members("cgroup.procs");
    }

    @Override
    public List<Integer> threadsInEveryHierarchy() {
        List<Integer> out = null;
        for (Path d : distinctDirs()) {
            List<Integer> here = CgroupFile.readIdsIfPresent(d.resolve("tasks"));
            if (out == null) {
                out = new ArrayList<>(here);
            } else {
                out.retainAll(here);
            }
        }
        return out == null ? List.of() : out;
    }

    /**
     * Members from the primary hierarchy, as libvirt reads them. Where the group is gone from it (on
     * a systemd host systemd removes its copy of an emptied scope, not cpuset's), from whatever is
     * left in the others: one missing directory does not make the group empty.
     */
    private List<Integer> members(String file) {
        try {
            return CgroupFile.readIds(primary().resolve(file));
        } catch (CgroupReadException e) {
            if (Files.isDirectory(primary())) {
                throw e;
            }
        }
        Set<Integer> out = new LinkedHashSet<>();
        for (Path d : distinctDirs()) {
            out.addAll(CgroupFile.readIdsIfPresent(d.resolve(file)));
        }
        return new ArrayList<>(out);
    }

    @Override
    public void attachThread(int tid) {
        for (Path d : distinctDirs()) {
            CgroupFile.write(d.resolve("tasks"), Integer.toString(tid));
        }
    }

    @Override
    public void attachProcess(int pid) {
        for (Path d : distinctDirs()) {
            CgroupFile.write(d.resolve("cgroup.procs"), Integer.toString(pid));
        }
    }

    @Override
    public void removeTree() {
        for (Path d : distinctDirs()) {
            if (Files.isDirectory(d)) {
                CgroupFile.removeTree(d);
            }
        }
    }

    @Override
    public String toString() {
        return primary().toString();
    }
}
