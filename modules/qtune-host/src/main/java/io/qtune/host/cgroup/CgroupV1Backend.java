package io.qtune.host.cgroup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * cgroup v1 with libvirt's steps: groups in the cpu, cpuacct and cpuset hierarchies (no cpuacct
 * beside a cgroup2 mount, as libvirt: see the constructor); cpuset
 * groups copy {@code cpuset.cpus}/{@code cpuset.mems} from their parent before any task is
 * attached (an empty cpuset refuses tasks with ENOSPC); the domain group gets
 * {@code cpuset.memory_migrate=1}; the process joins via {@code cgroup.procs}, threads via
 * {@code tasks}.
 */
public final class CgroupV1Backend implements CgroupBackend {
    /** The controllers libvirt uses for thread groups, in its order. */
    static final List<String> CONTROLLERS = List.of("cpu", "cpuacct", "cpuset");

    private final CgroupHost host;
    private final Map<String, Path> mounts = new LinkedHashMap<>();

    CgroupV1Backend(CgroupHost host) {
        this.host = host;
        for (String c : CONTROLLERS) {
            host.v1Mount(c).ifPresent(m -> mounts.put(c, m.dir()));
        }
        // libvirt gives cpuacct to its cgroup v2 backend whenever a cgroup2 hierarchy is mounted (seen
        // here with a hugetlb-only one), so its v1 tree has no cpuacct group at all and QEMU stays in
        // its own: qtune's tree is the same, and every thread attach saves a write (and its RCU
        // grace period). A joint cpu,cpuacct hierarchy is cpu's directory anyway.
        if (host.unified().isPresent() && mounts.containsKey("cpuacct")
                && !mounts.get("cpuacct").equals(mounts.get("cpu"))) {
            mounts.remove("cpuacct");
        }
        if (!mounts.containsKey("cpu") || !mounts.containsKey("cpuset")) {
            throw new CgroupException("cgroup v1 backend needs the cpu and cpuset hierarchies; mounted: " + mounts.keySet());
        }
    }

    @Override
    public java.util.Set<String> controllers() {
        return java.util.Set.copyOf(mounts.keySet());
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V1;
    }

    @Override
    public CgroupHost host() {
        return host;
    }

    private V1Node node(String path) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        String rel = path.startsWith("/") ? path.substring(1) : path;
        mounts.forEach((c, m) -> dirs.put(c, rel.isEmpty() ? m : m.resolve(rel)));
        return new V1Node(dirs);
    }

    @Override
    public DomainCgroup createDomain(CgroupLayout layout, int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid " + pid + " must be positive");
        }
        if (layout.systemd()) {
            ensureScope(layout, pid);
        }
        List<String> dirs = new ArrayList<>(layout.partitionDirs());
        dirs.add(layout.domainDirName());
        if (layout.nested()) {
            dirs.add("libvirt");
        }
        List<V1Node> created = new ArrayList<>();
        V1Node cur = node("/");
        try {
            for (String d : dirs) {
                cur = cur.child(d);
                // recorded before the mkdirs: a failure in the second controller must remove the
                // directory the first one got
                if (!cur.exists()) {
                    created.add(cur);
                }
                cur.make(false);
            }
            // before QEMU moves in, as libvirt does: a qtune killed in between leaves a group QEMU
            // is not in, which the next apply makes again, never one in use with the kernel's 0
            CgroupFile.write(cur.path("cpuset").resolve("cpuset.memory_migrate"), "1");
            cur.attachProcess(pid);
            return new DomainCgroup(cur, this, layout);
        } catch (RuntimeException e) {
            for (int i = created.size() - 1; i >= 0; i--) {
                try {
                    created.get(i).removeTree();
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    /** On a systemd v1 host the scope lives in the name=systemd hierarchy (or the unified one). */
    private void ensureScope(CgroupLayout layout, int pid) {
        Optional<Path> sd = host.v1Mount("name=systemd").map(CgroupMount::dir)
                .or(() -> host.unified().map(CgroupMount::dir));
        if (sd.isPresent() && !Files.isDirectory(sd.get().resolve(layout.scopePath().substring(1)))) {
            SystemdScope.create(layout, pid, sd.get());
        }
    }

    @Override
    public Optional<DomainCgroup> open(CgroupLayout layout) {
        V1Node n = node(layout.domainPath());
        return n.exists() ? Optional.of(new DomainCgroup(n, this, layout)) : Optional.empty();
    }

    @Override
    public void returnProcess(int pid, Map<String, String> original) {
        for (Map.Entry<String, Path> m : mounts.entrySet()) {
            String path = null;
            for (Map.Entry<String, String> o : original.entrySet()) {
                if (List.of(o.getKey().split(",")).contains(m.getKey())) {
                    path = o.getValue();
                }
            }
            if (path != null) {
                String rel = path.startsWith("/") ? path.substring(1) : path;
                CgroupFile.write((rel.isEmpty() ? m.getValue() : m.getValue().resolve(rel)).resolve("cgroup.procs"),
                        Integer.toString(pid));
            }
        }
    }

    @Override
    public List<String> partitionChildren(CgroupLayout template) {
        return node(template.partitionPath()).childNames();
    }

    @Override
    public String toString() {
        return "CgroupV1Backend" + mounts;
    }
}
