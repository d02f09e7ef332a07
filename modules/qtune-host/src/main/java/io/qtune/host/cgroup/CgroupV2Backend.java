package io.qtune.host.cgroup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * cgroup v2 with libvirt's steps: the domain group is made, the process joins its
 * {@code cgroup.procs}, then {@code +cpu +cpuset} go into the parent's
 * {@code cgroup.subtree_control}; thread groups are {@code cgroup.type=threaded} children and
 * threads join via {@code cgroup.threads}. On systemd hosts the machined scope is never created
 * here: it must exist, and only the nested {@code libvirt} group is made inside it.
 */
public final class CgroupV2Backend implements CgroupBackend {
    static final List<String> CONTROLLERS = List.of("cpu", "cpuset");

    private final CgroupHost host;
    private final V2Node root;

    CgroupV2Backend(CgroupHost host) {
        this.host = host;
        this.root = new V2Node(host.unified().orElseThrow(() -> new CgroupException("no cgroup2 mount")).dir());
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V2;
    }

    @Override
    public CgroupHost host() {
        return host;
    }

    private V2Node node(String path) {
        String rel = path.startsWith("/") ? path.substring(1) : path;
        return rel.isEmpty() ? root : new V2Node(root.primary().resolve(rel));
    }

    @Override
    public DomainCgroup createDomain(CgroupLayout layout, int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid " + pid + " must be positive");
        }
        List<String> dirs = new ArrayList<>(layout.partitionDirs());
        dirs.add(layout.domainDirName());
        int scopeIndex = dirs.size() - 1;
        if (layout.nested()) {
            dirs.add("libvirt");
        }
        List<V2Node> created = new ArrayList<>();
        V2Node cur = root;
        try {
            for (int i = 0; i < dirs.size(); i++) {
                V2Node parent = cur;
                cur = cur.child(dirs.get(i));
                boolean leaf = i == dirs.size() - 1;
                if (!cur.exists()) {
                    if (layout.systemd() && i <= scopeIndex) {
                        throw new CgroupException("systemd unit " + cur.primary() + " does not exist: qtune does not "
                                + "create machined scopes; register the VM with systemd-machined first or use "
                                + "CgroupLayout.withSystemd(false)");
                    }
                    CgroupFile.mkdir(cur.primary());
                    created.add(cur);
                }
                if (leaf) {
                    cur.attachProcess(pid); // before enabling controllers: no internal processes above
                }
                if (!layout.systemd() || i >= scopeIndex) {
                    parent.enableForChildren(CONTROLLERS);
                }
            }
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

    @Override
    public Optional<DomainCgroup> open(CgroupLayout layout) {
        V2Node n = node(layout.domainPath());
        return n.exists() ? Optional.of(new DomainCgroup(n, this, layout)) : Optional.empty();
    }

    @Override
    public void attachThreads(Map<ThreadCgroup, ? extends Collection<Integer>> placement) {
        for (Map.Entry<ThreadCgroup, ? extends Collection<Integer>> e : placement.entrySet()) {
            for (int tid : e.getValue()) {
                e.getKey().node.attachThread(tid);
            }
        }
    }

    @Override
    public void returnProcess(int pid, Map<String, String> original) {
        String path = original.get("");
        if (path != null) {
            node(path).attachProcess(pid);
        }
    }

    @Override
    public java.util.List<String> partitionChildren(CgroupLayout template) {
        return node(template.partitionPath()).childNames();
    }

    @Override
    public String toString() {
        return "CgroupV2Backend[" + root + "]";
    }
}
