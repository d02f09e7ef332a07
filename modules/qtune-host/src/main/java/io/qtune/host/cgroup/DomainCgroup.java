package io.qtune.host.cgroup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A VM's group: holds the QEMU process and its thread groups. */
public final class DomainCgroup extends CpuCgroup {
    private final CgroupBackend backend;
    private final CgroupLayout layout;

    DomainCgroup(CgroupNode node, CgroupBackend backend, CgroupLayout layout) {
        super(node);
        this.backend = backend;
        this.layout = layout;
    }

    public CgroupLayout layout() {
        return layout;
    }

    public CgroupBackend backend() {
        return backend;
    }

    /**
     * The thread group {@code name}. With {@code create}, makes it as libvirt does (v1: mkdir in
     * cpu, cpuacct, cpuset and inherit cpuset.cpus/mems from the domain; v2: mkdir,
     * {@code cgroup.type=threaded}, {@code +cpu +cpuset} in the domain's subtree_control) or
     * adopts an existing one.
     *
     * @throws CgroupException when {@code create} is false and the group does not exist
     */
    public ThreadCgroup thread(ThreadGroupName name, boolean create) {
        if (create) {
            return new ThreadCgroup(node.createThreadChild(name.dirName()), name, this);
        }
        return findThread(name).orElseThrow(() -> new CgroupException(
                "thread group " + node.child(name.dirName()).primary() + " does not exist"));
    }

    /** The thread group {@code name} if it exists. */
    public Optional<ThreadCgroup> findThread(ThreadGroupName name) {
        CgroupNode child = node.child(name.dirName());
        return child.exists() ? Optional.of(new ThreadCgroup(child, name, this)) : Optional.empty();
    }

    /** Exists in every hierarchy (v1: not a group a killed process left half made). */
    public boolean whole() {
        return node.whole();
    }

    /**
     * The thread group {@code name} if it exists in every hierarchy; one a killed process left in
     * only some of them, or unfinished (v1: its cpuset empty or its memory_migrate not yet copied),
     * is completed first, as {@link #thread thread(name, true)} makes it.
     */
    public Optional<ThreadCgroup> findWholeThread(ThreadGroupName name) {
        CgroupNode child = node.child(name.dirName());
        if (!child.exists()) {
            return Optional.empty();
        }
        return Optional.of(child.finishedThreadChild() ? new ThreadCgroup(child, name, this) : thread(name, true));
    }

    /** Existing thread groups (children named emulator, vcpuN, iothreadN). */
    public List<ThreadCgroup> threadGroups() {
        List<ThreadCgroup> out = new ArrayList<>();
        for (String n : node.childNames()) {
            ThreadGroupName.parse(n).ifPresent(t -> out.add(new ThreadCgroup(node.child(n), t, this)));
        }
        return out;
    }

    /** PIDs in the domain group ({@code cgroup.procs}). */
    public List<Integer> processes() {
        return node.processes();
    }

    /**
     * Moves threads of the VM back into the domain group itself (v1 {@code tasks}, v2
     * {@code cgroup.threads} of the threaded domain), so their thread groups can be removed: the
     * rollback of a placement.
     */
    public void evacuate(Collection<Integer> tids) {
        for (int tid : tids) {
            node.attachThread(tid);
        }
    }

    /** Whether no process or thread is left in the domain group or any group below it. */
    public boolean isEmpty() {
        try {
            if (!processes().isEmpty() || !threads().isEmpty()) {
                return false;
            }
            return threadGroups().stream().allMatch(g -> g.threads().isEmpty());
        } catch (CgroupException e) {
            // systemd removes an emptied scope with its delegated subtree by itself, racing this
            // read: a group that is gone holds nothing
            if (e.errno().orElse(null) == io.qtune.host.Errno.ENOENT) {
                return true;
            }
            throw e;
        }
    }

    /**
     * The end of a VM whose QEMU ({@code qemu}) is gone: removes the group and everything below it,
     * then, on a systemd host, terminates its machine as libvirt does (machined drops the machine
     * and stops the scope; only the machine {@code qemu} led).
     */
    public void release(io.qtune.host.proc.ProcessIdentity qemu) {
        remove();
        if (layout.systemd()) {
            SystemdScope.terminate(layout, qemu);
        }
    }

    /** Same as {@link CgroupBackend#attachThreads(Map)}. */
    public void attachThreads(Map<ThreadCgroup, ? extends Collection<Integer>> placement) {
        backend.attachThreads(placement);
    }
}
