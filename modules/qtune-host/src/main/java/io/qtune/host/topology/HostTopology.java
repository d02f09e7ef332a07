package io.qtune.host.topology;

import io.qtune.host.HostFiles;
import io.qtune.host.HostReadException;
import io.qtune.host.cpu.CpuSet;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The host's CPUs and NUMA nodes, read from {@code /sys/devices/system/cpu},
 * {@code /sys/devices/system/node}, {@code /proc/cmdline} (and {@code /proc/cpuinfo} when sysfs
 * has no topology).
 *
 * @param possible CPUs the kernel could ever bring up
 * @param present CPUs physically present
 * @param online CPUs online now
 * @param offline present or possible CPUs that are offline
 * @param isolated CPUs isolated from the scheduler ({@code isolcpus=}, sysfs {@code isolated})
 * @param nohzFull adaptive-tick CPUs ({@code nohz_full=})
 * @param cpus per present CPU, in CPU order
 * @param nodes NUMA nodes in id order (one node 0 with all online CPUs when the kernel has none)
 * @param cmdline the kernel command line
 */
public record HostTopology(CpuSet possible, CpuSet present, CpuSet online, CpuSet offline, CpuSet isolated,
        CpuSet nohzFull, List<CpuTopology> cpus, List<NumaNode> nodes, String cmdline) {

    public HostTopology {
        cpus = List.copyOf(cpus);
        nodes = List.copyOf(nodes);
    }

    /**
     * Reads the topology below {@code root} ("/" on a live host).
     *
     * @throws HostReadException when a required file is missing or malformed
     */
    public static HostTopology read(Path root) {
        Path cpuDir = HostFiles.under(root, "/sys/devices/system/cpu");
        String cmdline = HostFiles.readIfExists(HostFiles.under(root, "/proc/cmdline")).orElse("");
        CpuSet possible = list(cpuDir.resolve("possible")).orElse(null);
        CpuSet present = list(cpuDir.resolve("present")).orElse(null);
        CpuSet online = list(cpuDir.resolve("online")).orElse(null);
        List<CpuInfoEntry> cpuinfo = null;
        if (present == null || online == null) {
            cpuinfo = cpuInfo(root);
            BitSet b = new BitSet();
            cpuinfo.forEach(e -> b.set(e.processor));
            CpuSet seen = CpuSet.fromBitSet(b);
            present = present == null ? seen : present;
            online = online == null ? seen : online;
        }
        possible = possible == null ? present : possible;
        CpuSet offline = list(cpuDir.resolve("offline")).orElse(possible.minus(online));
        CpuSet isolated = list(cpuDir.resolve("isolated")).orElse(cmdlineCpus(cmdline, "isolcpus"));
        CpuSet nohzFull = list(cpuDir.resolve("nohz_full")).orElse(cmdlineCpus(cmdline, "nohz_full"));

        List<CpuTopology> cpus = new ArrayList<>();
        boolean anyTopology = false;
        for (int c : present.cpus()) {
            Path topo = cpuDir.resolve("cpu" + c).resolve("topology");
            boolean isOnline = online.contains(c);
            if (isOnline && Files.isDirectory(topo)) {
                anyTopology = true;
                int pkg = intFile(topo.resolve("physical_package_id")).orElse(0);
                int die = intFile(topo.resolve("die_id")).orElse(0);
                int core = intFile(topo.resolve("core_id")).orElse(c);
                CpuSet sib = list(topo.resolve("thread_siblings_list"))
                        .or(() -> list(topo.resolve("core_cpus_list"))).orElse(CpuSet.of(c));
                cpus.add(new CpuTopology(c, true, pkg, die, core, sib));
            } else {
                cpus.add(new CpuTopology(c, isOnline, -1, -1, -1, CpuSet.empty()));
            }
        }
        if (!anyTopology) {
            cpus = fromCpuInfo(cpuinfo != null ? cpuinfo : cpuInfo(root), present, online);
        }
        List<NumaNode> nodes = nodes(root, online);
        return new HostTopology(possible, present, online, offline, isolated, nohzFull, cpus, nodes, cmdline);
    }

    /**
     * The number virsh calls maxcpu: highest present CPU + 1. A CPU set is valid for this host
     * when every member is below it ({@link CpuSet#requireWithin(int, String)}).
     */
    public int maxCpus() {
        return present.last() + 1;
    }

    /** Logical CPUs online (the seed script's "logical CPU number in total"). */
    public int logicalCpus() {
        return online.size();
    }

    /** Topology of one CPU. */
    public Optional<CpuTopology> cpu(int cpu) {
        return cpus.stream().filter(t -> t.cpu() == cpu).findFirst();
    }

    /** Distinct physical packages (sockets) among online CPUs. */
    public int packages() {
        return (int) onlineCpus().stream().map(CpuTopology::packageId).distinct().count();
    }

    /** Distinct package ids among online CPUs, ascending. */
    public List<Integer> packageIds() {
        return onlineCpus().stream().map(CpuTopology::packageId).distinct().sorted().toList();
    }

    /** Physical cores per package (not counting SMT threads). */
    public int coresPerPackage() {
        Set<List<Integer>> cores = new HashSet<>();
        onlineCpus().forEach(t -> cores.add(List.of(t.packageId(), t.dieId(), t.coreId())));
        int p = packages();
        return p == 0 ? 0 : cores.size() / p;
    }

    /** Logical CPUs per package (the seed script's "siblings"). */
    public int siblingsPerPackage() {
        int p = packages();
        return p == 0 ? 0 : logicalCpus() / p;
    }

    /** Hardware threads per core. */
    public int threadsPerCore() {
        return onlineCpus().stream().mapToInt(t -> t.threadSiblings().intersect(online).size()).max().orElse(1);
    }

    /** True when hyper-threading/SMT is on (some core runs more than one logical CPU). */
    public boolean smt() {
        return threadsPerCore() > 1;
    }

    /** The CPUs of package {@code packageId}. */
    public CpuSet packageCpus(int packageId) {
        BitSet b = new BitSet();
        onlineCpus().stream().filter(t -> t.packageId() == packageId).forEach(t -> b.set(t.cpu()));
        return CpuSet.fromBitSet(b);
    }

    /** The NUMA node holding {@code cpu}. */
    public Optional<NumaNode> nodeOf(int cpu) {
        return nodes.stream().filter(n -> n.cpus().contains(cpu)).findFirst();
    }

    /** The node ids as a set (what {@code cpuset.mems} may hold). */
    public CpuSet nodeIds() {
        return CpuSet.of(nodes.stream().mapToInt(NumaNode::id).toArray());
    }

    /** Online CPUs that are neither isolated nor nohz_full: where housekeeping threads belong. */
    public CpuSet housekeeping() {
        return online.minus(isolated).minus(nohzFull);
    }

    /** The report of the seed article's shell script, computed from this topology. */
    public String smpReport() {
        StringBuilder sb = new StringBuilder();
        sb.append("logical CPU number in total: ").append(logicalCpus()).append('\n');
        sb.append("physical CPU number in total: ").append(packages()).append('\n');
        sb.append("core number in a physical CPU: ").append(coresPerPackage()).append('\n');
        sb.append("logical CPU number in a physical CPU: ").append(siblingsPerPackage()).append('\n');
        if (smt()) {
            sb.append("Hyper threading is enabled. Each core has ").append(threadsPerCore()).append(" threads.\n");
        } else {
            sb.append("Hyper threading is NOT enabled.\n");
        }
        return sb.toString();
    }

    private List<CpuTopology> onlineCpus() {
        return cpus.stream().filter(CpuTopology::online).toList();
    }

    private static Optional<CpuSet> list(Path file) {
        return HostFiles.readIfExists(file).map(String::strip).map(t -> t.equals("(null)") ? "" : t).map(t -> {
            try {
                return CpuSet.parseList(t);
            } catch (IllegalArgumentException e) {
                throw new HostReadException(file, e.getMessage(), null, e);
            }
        });
    }

    private static Optional<Integer> intFile(Path file) {
        return HostFiles.readIfExists(file).map(String::strip).map(t -> {
            try {
                return Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw new HostReadException(file, "'" + t + "' is not a number", null, e);
            }
        });
    }

    /** The CPU list of a {@code name=} kernel parameter; flags such as {@code domain,managed_irq,} skipped. */
    static CpuSet cmdlineCpus(String cmdline, String name) {
        CpuSet result = CpuSet.empty();
        for (String tok : cmdline.trim().split("\\s+")) {
            if (tok.equals("--")) {
                break; // the rest belongs to init
            }
            if (!tok.startsWith(name + "=")) {
                continue;
            }
            List<String> parts = new ArrayList<>(List.of(tok.substring(name.length() + 1).split(",")));
            while (!parts.isEmpty() && !parts.get(0).isEmpty() && !Character.isDigit(parts.get(0).charAt(0))) {
                parts.remove(0);
            }
            try {
                result = CpuSet.parseList(String.join(",", parts));
            } catch (IllegalArgumentException e) {
                // an unparsable kernel parameter is not ours to refuse; the kernel ignored it too
            }
        }
        return result;
    }

    private static List<NumaNode> nodes(Path root, CpuSet online) {
        Path nodeDir = HostFiles.under(root, "/sys/devices/system/node");
        Map<Integer, Path> dirs = new LinkedHashMap<>();
        if (Files.isDirectory(nodeDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(nodeDir, "node[0-9]*")) {
                for (Path p : ds) {
                    dirs.put(Integer.parseInt(p.getFileName().toString().substring(4)), p);
                }
            } catch (IOException | NumberFormatException e) {
                throw new HostReadException(nodeDir, String.valueOf(e.getMessage()), null, e);
            }
        }
        List<NumaNode> nodes = new ArrayList<>();
        if (dirs.isEmpty()) {
            long mem = memTotal(HostFiles.under(root, "/proc/meminfo"));
            nodes.add(new NumaNode(0, online, mem));
            return nodes;
        }
        dirs.keySet().stream().sorted().forEach(id -> {
            Path d = dirs.get(id);
            CpuSet cpus = list(d.resolve("cpulist")).orElse(CpuSet.empty());
            nodes.add(new NumaNode(id, cpus, memTotal(d.resolve("meminfo"))));
        });
        return nodes;
    }

    private static long memTotal(Path meminfo) {
        Optional<String> text = HostFiles.readIfExists(meminfo);
        if (text.isEmpty()) {
            return 0;
        }
        for (String line : text.get().split("\n")) {
            int i = line.indexOf("MemTotal:");
            if (i >= 0) {
                String[] f = line.substring(i + "MemTotal:".length()).trim().split("\\s+");
                try {
                    return Long.parseLong(f[0]);
                } catch (NumberFormatException e) {
                    throw new HostReadException(meminfo, "bad MemTotal line '" + line + "'", null, e);
                }
            }
        }
        return 0;
    }

    private record CpuInfoEntry(int processor, int physicalId, int coreId) {
    }

    private static List<CpuInfoEntry> cpuInfo(Path root) {
        Path file = HostFiles.under(root, "/proc/cpuinfo");
        String text = HostFiles.read(file);
        List<CpuInfoEntry> out = new ArrayList<>();
        for (String block : text.split("\n\\s*\n")) {
            int proc = -1;
            int phys = 0;
            int core = -1;
            for (String line : block.split("\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String val = line.substring(colon + 1).trim();
                try {
                    switch (key) {
                        case "processor" -> proc = Integer.parseInt(val);
                        case "physical id" -> phys = Integer.parseInt(val);
                        case "core id" -> core = Integer.parseInt(val);
                        default -> {
                        }
                    }
                } catch (NumberFormatException e) {
                    throw new HostReadException(file, "bad line '" + line + "'", null, e);
                }
            }
            if (proc >= 0) {
                out.add(new CpuInfoEntry(proc, phys, core < 0 ? proc : core));
            }
        }
        return out;
    }

    private static List<CpuTopology> fromCpuInfo(List<CpuInfoEntry> info, CpuSet present, CpuSet online) {
        List<CpuTopology> out = new ArrayList<>();
        for (int c : present.cpus()) {
            Optional<CpuInfoEntry> e = info.stream().filter(x -> x.processor == c).findFirst();
            if (e.isEmpty() || !online.contains(c)) {
                out.add(new CpuTopology(c, online.contains(c), -1, -1, -1, CpuSet.empty()));
                continue;
            }
            BitSet sib = new BitSet();
            info.stream().filter(x -> x.physicalId == e.get().physicalId && x.coreId == e.get().coreId)
                    .forEach(x -> sib.set(x.processor));
            out.add(new CpuTopology(c, true, e.get().physicalId, 0, e.get().coreId, CpuSet.fromBitSet(sib)));
        }
        return out;
    }
}
