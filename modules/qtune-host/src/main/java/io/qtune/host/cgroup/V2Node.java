package io.qtune.host.cgroup;

import io.qtune.host.cpu.CpuSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A cgroup v2 group: one directory. */
final class V2Node implements CgroupNode {
    private final Path dir;

    V2Node(Path dir) {
        this.dir = dir;
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V2;
    }

    @Override
    public Path path(String controller) {
        return dir;
    }

    @Override
    public Path primary() {
        return dir;
    }

    @Override
    public boolean exists() {
        return Files.isDirectory(dir);
    }

    @Override
    public V2Node child(String name) {
        return new V2Node(dir.resolve(name));
    }

    @Override
    public List<String> childNames() {
        List<String> out = new ArrayList<>();
        for (Path p : CgroupFile.children(dir)) {
            out.add(p.getFileName().toString());
        }
        return out;
    }

    /** Writes {@code +ctrl} to this group's subtree_control for each controller not yet enabled. */
    void enableForChildren(List<String> controllers) {
        List<String> available = words(dir.resolve("cgroup.controllers"));
        List<String> enabled = words(dir.resolve("cgroup.subtree_control"));
        for (String c : controllers) {
            if (!available.contains(c)) {
                throw new CgroupException("cgroup v2 controller '" + c + "' is not available in " + dir
                        + "/cgroup.controllers; enable it in every parent's cgroup.subtree_control "
                        + "(e.g. echo +" + c + " > /sys/fs/cgroup/cgroup.subtree_control)");
            }
            if (!enabled.contains(c)) {
                CgroupFile.write(dir.resolve("cgroup.subtree_control"), "+" + c);
            }
        }
    }

    static List<String> words(Path file) {
        String t = CgroupFile.read(file).trim();
        return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
    }

    /** libvirt's thread group: mkdir, cgroup.type=threaded, then +cpu +cpuset in this (parent) group. */
    @Override
    public CgroupNode createThreadChild(String name) {
        V2Node child = child(name);
        CgroupFile.mkdir(child.dir);
        if (!CgroupFile.read(child.dir.resolve("cgroup.type")).trim().equals("threaded")) {
            CgroupFile.write(child.dir.resolve("cgroup.type"), "threaded");
        }
        enableForChildren(List.of("cpu", "cpuset"));
        return child;
    }

    /** Setting v1 shares on v2 writes the weight from the documented conversion. */
    @Override
    public void setShares(long shares) {
        setWeight(CpuTunables.sharesToWeight(shares));
    }

    @Override
    public long shares() {
        throw new CgroupException("cpu.shares is a cgroup v1 file; on this cgroup v2 host read weight()");
    }

    @Override
    public void setWeight(long weight) {
        CpuTunables.checkWeight(weight);
        CgroupFile.write(dir.resolve("cpu.weight"), Long.toString(weight));
    }

    @Override
    public long weight() {
        return CgroupFile.readLong(dir.resolve("cpu.weight"));
    }

    /** cpu.max is "quota period": keep the quota token, replace the period (virCgroupV2SetCpuCfsPeriod). */
    @Override
    public void setCfsPeriod(long period) {
        CpuTunables.checkPeriod(period);
        String[] max = cpuMax();
        CgroupFile.write(dir.resolve("cpu.max"), max[0] + " " + period);
    }

    @Override
    public long cfsPeriod() {
        String[] max = cpuMax();
        try {
            return Long.parseLong(max[1]);
        } catch (NumberFormatException e) {
            throw new CgroupReadException(dir.resolve("cpu.max"), "bad period '" + max[1] + "'", null, e);
        }
    }

    /** The quota alone (the kernel keeps the period); negative or (1<<44)-1 is written as {@code max}. */
    @Override
    public void setCfsQuota(long quota) {
        CpuTunables.checkQuota(quota);
        String v = quota < 0 || quota == CpuTunables.QUOTA_MAX ? "max" : Long.toString(quota);
        CgroupFile.write(dir.resolve("cpu.max"), v);
    }

    /** -1 when unlimited ({@code max}), as v1 reports it. */
    @Override
    public long cfsQuota() {
        String[] max = cpuMax();
        if (max[0].equals("max")) {
            return -1;
        }
        try {
            return Long.parseLong(max[0]);
        } catch (NumberFormatException e) {
            throw new CgroupReadException(dir.resolve("cpu.max"), "bad quota '" + max[0] + "'", null, e);
        }
    }

    private String[] cpuMax() {
        Path f = dir.resolve("cpu.max");
        String[] t = CgroupFile.read(f).trim().split("\\s+");
        if (t.length != 2) {
            throw new CgroupReadException(f, "expected '<quota|max> <period>', found '" + String.join(" ", t) + "'",
                    null, null);
        }
        return t;
    }

    @Override
    public void setCpus(CpuSet cpus) {
        CgroupFile.write(dir.resolve("cpuset.cpus"), cpus.toList());
    }

    @Override
    public CpuSet cpus() {
        return V1Node.list(dir.resolve("cpuset.cpus"));
    }

    @Override
    public CpuSet effectiveCpus() {
        return V1Node.list(dir.resolve("cpuset.cpus.effective"));
    }

    @Override
    public void setMems(CpuSet mems) {
        CgroupFile.write(dir.resolve("cpuset.mems"), mems.toList());
    }

    @Override
    public CpuSet mems() {
        return V1Node.list(dir.resolve("cpuset.mems"));
    }

    @Override
    public CpuSet effectiveMems() {
        return V1Node.list(dir.resolve("cpuset.mems.effective"));
    }

    @Override
    public CpuStat cpuStat() {
        Map<String, Long> kv = V1Node.keyValues(dir.resolve("cpu.stat"));
        return new CpuStat(kv.getOrDefault("nr_periods", 0L), kv.getOrDefault("nr_throttled", 0L),
                kv.getOrDefault("throttled_usec", 0L) * 1000);
    }

    @Override
    public long usageNs() {
        Map<String, Long> kv = V1Node.keyValues(dir.resolve("cpu.stat"));
        Long us = kv.get("usage_usec");
        if (us == null) {
            throw new CgroupReadException(dir.resolve("cpu.stat"), "no usage_usec line", null, null);
        }
        return us * 1000;
    }

    @Override
    public List<Integer> threads() {
        return CgroupFile.readIds(dir.resolve("cgroup.threads"));
    }

    @Override
    public List<Integer> processes() {
        return CgroupFile.readIds(dir.resolve("cgroup.procs"));
    }

    @Override
    public void attachThread(int tid) {
        CgroupFile.write(dir.resolve("cgroup.threads"), Integer.toString(tid));
    }

    @Override
    public void attachProcess(int pid) {
        CgroupFile.write(dir.resolve("cgroup.procs"), Integer.toString(pid));
    }

    @Override
    public void removeTree() {
        if (Files.isDirectory(dir)) {
            CgroupFile.removeTree(dir);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
