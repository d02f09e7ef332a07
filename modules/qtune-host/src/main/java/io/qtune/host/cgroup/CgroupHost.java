package io.qtune.host.cgroup;

import io.qtune.host.HostFiles;
import io.qtune.host.HostReadException;
import io.qtune.host.proc.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How cgroups are set up on a host, detected from {@code <root>/proc/<pid>/mountinfo},
 * {@code <root>/proc/<pid>/cgroup} and {@code <root>/run/systemd/system}.
 *
 * <p>A cgroup2 mount counts for a controller only when its {@code cgroup.controllers} lists it
 * (a controller-less v2 mount, as systemd's hybrid {@code unified}, offers nothing). On the live
 * host (root {@code /}) every mount is also checked to really be a cgroup filesystem: a plain
 * tmpfs under {@code /sys/fs/cgroup} silently accepts writes and would fake success.
 */
public final class CgroupHost {
    private static final Set<String> V1_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices",
            "freezer", "blkio", "net_cls", "net_prio", "perf_event", "hugetlb", "pids", "rdma", "misc");

    private final Path root;
    private final boolean live;
    private final List<CgroupMount> mounts;
    private final Map<String, String> placement;
    private final boolean systemd;
    private final CgroupMode mode;

    private CgroupHost(Path root, boolean live, List<CgroupMount> mounts, Map<String, String> placement,
            boolean systemd) {
        this.root = root;
        this.live = live;
        this.mounts = List.copyOf(mounts);
        this.placement = Map.copyOf(placement);
        this.systemd = systemd;
        boolean v1 = mounts.stream().anyMatch(m -> m.version() == CgroupVersion.V1 && !m.controllers().isEmpty());
        boolean v2 = mounts.stream().anyMatch(m -> m.version() == CgroupVersion.V2);
        this.mode = v1 && v2 ? CgroupMode.HYBRID : v1 ? CgroupMode.V1 : v2 ? CgroupMode.V2 : CgroupMode.NONE;
    }

    /** Detects cgroups as seen by this process ({@code /proc/self}). */
    public static CgroupHost detect(Path root) {
        return detect(root, "self");
    }

    /** Detects cgroups as seen by process {@code pid} (its mount namespace and placement). */
    public static CgroupHost detect(Path root, int pid) {
        return detect(root, Integer.toString(pid));
    }

    private static CgroupHost detect(Path root, String pid) {
        Path abs = root.toAbsolutePath().normalize();
        boolean live = abs.equals(Path.of("/"));
        Path mountinfo = HostFiles.under(root, "/proc/" + pid + "/mountinfo");
        List<CgroupMount> mounts = new ArrayList<>();
        for (String line : HostFiles.read(mountinfo).split("\n")) {
            parseMount(root, mountinfo, line).filter(m -> !live || reallyCgroup(m)).ifPresent(mounts::add);
        }
        Path cgroupFile = HostFiles.under(root, "/proc/" + pid + "/cgroup");
        Map<String, String> placement = Files.exists(cgroupFile) ? ProcFs.parseCgroups(cgroupFile) : Map.of();
        boolean systemd = Files.isDirectory(HostFiles.under(root, "/run/systemd/system"));
        return new CgroupHost(root, live, mounts, placement, systemd);
    }

    private static boolean reallyCgroup(CgroupMount m) {
        try {
            return Files.getFileStore(m.dir()).type().equals(m.fsType());
        } catch (IOException e) {
            return false;
        }
    }

    /** Parses one mountinfo line; empty unless it is a cgroup or cgroup2 mount. */
    static Optional<CgroupMount> parseMount(Path root, Path file, String line) {
        if (line.isBlank()) {
            return Optional.empty();
        }
        int sep = line.indexOf(" - ");
        if (sep < 0) {
            throw new HostReadException(file, "mountinfo line without ' - ' separator: " + line);
        }
        String[] pre = line.substring(0, sep).split(" ");
        String[] post = line.substring(sep + 3).split(" ");
        if (pre.length < 6 || post.length < 3) {
            throw new HostReadException(file, "short mountinfo line: " + line);
        }
        String fsType = post[0];
        if (!fsType.equals("cgroup") && !fsType.equals("cgroup2")) {
            return Optional.empty();
        }
        String mountRoot = unescape(pre[3]);
        String mountPoint = unescape(pre[4]);
        boolean ro = Arrays.asList(pre[5].split(",")).contains("ro");
        Path dir = HostFiles.under(root, mountPoint);
        Set<String> controllers = new HashSet<>();
        String name = null;
        if (fsType.equals("cgroup")) {
            for (String opt : post[2].split(",")) {
                if (V1_CONTROLLERS.contains(opt)) {
                    controllers.add(opt);
                } else if (opt.startsWith("name=")) {
                    name = opt.substring(5);
                }
            }
        } else {
            HostFiles.readIfExists(dir.resolve("cgroup.controllers")).ifPresent(t -> {
                for (String c : t.trim().split("\\s+")) {
                    if (!c.isEmpty()) {
                        controllers.add(c);
                    }
                }
            });
        }
        return Optional.of(new CgroupMount(Path.of(mountPoint), dir, mountRoot, fsType, controllers, name, ro));
    }

    private static String unescape(String s) {
        // mountinfo escapes space, tab, newline and backslash as \ooo
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() + 0 && s.substring(i + 1, Math.min(s.length(), i + 4)).matches("[0-7]{3}")) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public Path root() {
        return root;
    }

    /** True when detection ran on the live host (root "/"), false on a captured tree. */
    public boolean live() {
        return live;
    }

    public CgroupMode mode() {
        return mode;
    }

    /** True when systemd is the init system ({@code /run/systemd/system} exists). */
    public boolean systemd() {
        return systemd;
    }

    /** Every cgroup and cgroup2 mount, in mountinfo order. */
    public List<CgroupMount> mounts() {
        return mounts;
    }

    /** The process's cgroups: controller list → path, the v2 entry under key {@code ""}. */
    public Map<String, String> placement() {
        return placement;
    }

    /** The cgroup2 mount (the first one if several). */
    public Optional<CgroupMount> unified() {
        return mounts.stream().filter(m -> m.version() == CgroupVersion.V2).findFirst();
    }

    /** The v1 hierarchy holding {@code controller} ({@code name=systemd} as "name=systemd"). */
    public Optional<CgroupMount> v1Mount(String controller) {
        return mounts.stream().filter(m -> m.version() == CgroupVersion.V1)
                .filter(m -> m.controllers().contains(controller)
                        || (controller.startsWith("name=") && controller.substring(5).equals(m.name())))
                .findFirst();
    }

    /** Where {@code controller} is usable: V2 if the cgroup2 mount offers it, else V1 if mounted. */
    public Optional<CgroupVersion> versionOf(String controller) {
        Optional<CgroupMount> u = unified();
        if (u.isPresent()) {
            Set<String> c = u.get().controllers();
            // cpuacct has no v2 controller: usage comes from cpu.stat, present in every v2 group
            if (c.contains(controller) || (controller.equals("cpuacct") && c.contains("cpu"))) {
                return Optional.of(CgroupVersion.V2);
            }
        }
        return v1Mount(controller).map(m -> CgroupVersion.V1);
    }

    /** Every controller usable on this host and through which version. */
    public Map<String, CgroupVersion> controllers() {
        Map<String, CgroupVersion> out = new LinkedHashMap<>();
        for (String c : List.of("cpu", "cpuacct", "cpuset", "memory", "io", "blkio", "devices", "freezer", "pids",
                "hugetlb", "perf_event", "net_cls", "net_prio", "rdma", "misc")) {
            versionOf(c).ifPresent(v -> out.put(c, v));
        }
        return out;
    }

    public boolean usable(String controller) {
        return versionOf(controller).isPresent();
    }

    /**
     * The directory (below the detection root) where {@code controller} is mounted.
     *
     * @throws CgroupException when the controller is not usable on this host
     */
    public Path mountPoint(String controller) {
        CgroupVersion v = versionOf(controller).orElseThrow(() -> new CgroupException(
                "cgroup controller '" + controller + "' is not mounted (mode " + mode + ")"));
        return v == CgroupVersion.V2 ? unified().orElseThrow().dir() : v1Mount(controller).orElseThrow().dir();
    }

    /**
     * The version qtune's backend uses: V2 when the cgroup2 mount offers both cpu and cpuset,
     * else V1 when both are mounted as v1 controllers, else empty.
     */
    public Optional<CgroupVersion> backendVersion() {
        if (unified().map(m -> m.controllers().containsAll(List.of("cpu", "cpuset"))).orElse(false)) {
            return Optional.of(CgroupVersion.V2);
        }
        if (v1Mount("cpu").isPresent() && v1Mount("cpuset").isPresent()) {
            return Optional.of(CgroupVersion.V1);
        }
        return Optional.empty();
    }

    /** The backend for this host (see {@link #backendVersion()}). */
    public CgroupBackend backend() {
        CgroupVersion v = backendVersion().orElseThrow(() -> new CgroupException(
                "no usable cpu and cpuset cgroup controllers on this host (mode " + mode + ", controllers "
                        + controllers() + "); qtune needs both, as v1 hierarchies or in the cgroup2 cgroup.controllers"));
        return v == CgroupVersion.V2 ? new CgroupV2Backend(this) : new CgroupV1Backend(this);
    }

    @Override
    public String toString() {
        return "CgroupHost[mode=" + mode + ", systemd=" + systemd + ", controllers=" + controllers() + "]";
    }
}
