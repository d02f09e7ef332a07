package io.qtune.host.cgroup;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Where a VM's groups live, with libvirt's names so cgroup-based monitoring that knows libvirt
 * VMs sees qtune's too.
 *
 * <ul>
 *   <li>without systemd: {@code /machine/qemu-1-vm.libvirt-qemu/{emulator,vcpuN,iothreadN}};
 *       partition components other than {@code machine}, {@code system}, {@code user} get
 *       {@code .partition} appended, and every component is escaped as virCgroupPartitionEscape
 *       does (a {@code _} prefix for names starting with {@code _}, {@code .}, {@code cgroup.} or
 *       a controller name and a dot);</li>
 *   <li>with systemd: {@code /machine.slice/machine-qemu\x2d1\x2dvm.scope}, escaped as
 *       virSystemdEscapeName, plus the nested {@code libvirt} group when {@link #nested()} (the
 *       v2 "no internal processes" rule: the scope holds the QEMU process).</li>
 * </ul>
 * Immutable; {@code with*} return copies.
 */
public final class CgroupLayout {
    /** Every controller name of v1 and v2: a component "ctrl.x" could be mistaken for a control file. */
    private static final Set<String> CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
            "blkio", "io", "net_cls", "net_prio", "perf_event", "hugetlb", "pids", "rdma", "misc");
    private static final int NAME_MAX = 255;

    private final MachineName machine;
    private final String partition;
    private final String suffix;
    private final boolean systemd;
    private final boolean nested;

    private CgroupLayout(MachineName machine, String partition, String suffix, boolean systemd, boolean nested) {
        this.machine = machine;
        this.partition = checkPartition(partition);
        this.suffix = checkSuffix(suffix);
        this.systemd = systemd;
        this.nested = nested;
    }

    /** libvirt's non-systemd layout: partition {@code /machine}, suffix {@code libvirt-qemu}. */
    public static CgroupLayout of(MachineName machine) {
        return new CgroupLayout(machine, "/machine", "libvirt-qemu", false, false);
    }

    /**
     * The layout libvirt would use on this host: systemd naming when systemd is init, with the
     * nested {@code libvirt} group when the backend is cgroup v2.
     */
    public static CgroupLayout forHost(MachineName machine, CgroupHost host) {
        boolean sd = host.systemd();
        boolean v2 = host.backendVersion().orElse(CgroupVersion.V1) == CgroupVersion.V2;
        return new CgroupLayout(machine, "/machine", "libvirt-qemu", sd, sd && v2);
    }

    /** The same layout for another machine (same partition, suffix and systemd naming). */
    public CgroupLayout withMachine(MachineName other) {
        return new CgroupLayout(other, partition, suffix, systemd, nested);
    }

    public CgroupLayout withPartition(String partition) {
        return new CgroupLayout(machine, partition, suffix, systemd, nested);
    }

    public CgroupLayout withSuffix(String suffix) {
        return new CgroupLayout(machine, partition, suffix, systemd, nested);
    }

    public CgroupLayout withSystemd(boolean systemd) {
        return new CgroupLayout(machine, partition, suffix, systemd, nested);
    }

    public CgroupLayout withNested(boolean nested) {
        return new CgroupLayout(machine, partition, suffix, systemd, nested);
    }

    public MachineName machine() {
        return machine;
    }

    /** The partition as configured ({@code /machine}). */
    public String partition() {
        return partition;
    }

    public String suffix() {
        return suffix;
    }

    public boolean systemd() {
        return systemd;
    }

    public boolean nested() {
        return nested;
    }

    /** The partition's directory names from the hierarchy root ({@code [machine]} or {@code [machine.slice]}). */
    public List<String> partitionDirs() {
        List<String> out = new ArrayList<>();
        String[] comps = partition.substring(1).split("/");
        if (systemd) {
            StringBuilder prefix = new StringBuilder();
            for (String c : comps) {
                if (prefix.length() > 0) {
                    prefix.append('-');
                }
                prefix.append(systemdEscape(c));
                out.add(checkDirName(prefix + ".slice"));
            }
        } else {
            for (String c : comps) {
                String withSuffix = (c.equals("machine") || c.equals("system") || c.equals("user") || c.contains("."))
                        ? c : c + ".partition";
                out.add(checkDirName(partitionEscape(withSuffix)));
            }
        }
        return out;
    }

    /** The partition path ({@code /machine}, {@code /machine.slice}, {@code /prod.partition}). */
    public String partitionPath() {
        return "/" + String.join("/", partitionDirs());
    }

    /** The VM's directory: {@code qemu-1-vm.libvirt-qemu} or {@code machine-qemu\x2d1\x2dvm.scope}. */
    public String domainDirName() {
        String name = systemd ? "machine-" + systemdEscape(machine.value()) + ".scope"
                : partitionEscape(machine.value() + "." + suffix);
        return checkDirName(name);
    }

    /** Path of the scope or {@code .libvirt-qemu} directory, without the nested group. */
    public String scopePath() {
        return partitionPath() + "/" + domainDirName();
    }

    /** Path of the domain group (holding the QEMU process and the thread groups). */
    public String domainPath() {
        return nested ? scopePath() + "/libvirt" : scopePath();
    }

    /** Path of a thread group. */
    public String threadPath(ThreadGroupName name) {
        return domainPath() + "/" + name.dirName();
    }

    @Override
    public String toString() {
        return domainPath();
    }

    /** virCgroupPartitionEscape: prefix {@code _} when the name could clash with a control file. */
    static String partitionEscape(String name) {
        boolean escape = name.startsWith("cgroup.") || name.startsWith("_") || name.startsWith(".");
        for (String c : CONTROLLERS) {
            if (name.startsWith(c + ".")) {
                escape = true;
            }
        }
        return escape ? "_" + name : name;
    }

    /** virSystemdEscapeName: leading '.', '-', '\' and bytes outside [0-9A-Za-z:_.] as \xNN; '/' as '-'. */
    static String systemdEscape(String name) {
        StringBuilder sb = new StringBuilder();
        byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            boolean valid = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ':'
                    || c == '_' || c == '.';
            if (i == 0 && c == '.') {
                sb.append(String.format("\\x%02x", c));
            } else if (c == '/') {
                sb.append('-');
            } else if (!valid) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private static String checkPartition(String p) {
        if (p == null || !p.startsWith("/") || p.length() < 2) {
            throw new CgroupNameException("partition '" + p + "' must be an absolute path such as /machine");
        }
        for (String c : p.substring(1).split("/", -1)) {
            if (c.isEmpty() || c.equals(".") || c.equals("..")) {
                throw new CgroupNameException("partition '" + p + "' has an empty, '.' or '..' component");
            }
            if (!c.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
                throw new CgroupNameException("partition '" + p + "' must be printable ASCII without spaces");
            }
        }
        return p;
    }

    private static String checkSuffix(String s) {
        if (s == null || !s.matches("[A-Za-z0-9_+-][A-Za-z0-9_.+-]{0,63}")) {
            throw new CgroupNameException("suffix '" + s + "' must be 1-64 characters of [A-Za-z0-9_.+-], not starting with '.'");
        }
        return s;
    }

    private static String checkDirName(String n) {
        if (n.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > NAME_MAX) {
            throw new CgroupNameException("cgroup directory name '" + n + "' is longer than " + NAME_MAX + " bytes");
        }
        if (n.equals(".") || n.equals("..") || n.contains("/")) {
            throw new CgroupNameException("cgroup directory name '" + n + "' would leave its parent group");
        }
        return n;
    }
}
