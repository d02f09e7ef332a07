package io.qtune.host.cgroup;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Creates and finds VM groups with libvirt's steps for one cgroup version (as libvirt's
 * vircgroupv1.c / vircgroupv2.c). Get one from {@link CgroupHost#backend()}.
 */
public sealed interface CgroupBackend permits CgroupV1Backend, CgroupV2Backend {

    CgroupVersion version();

    /**
     * The v1 controllers whose hierarchies hold qtune's groups (cpu and cpuset, cpuacct only where
     * libvirt makes groups there); empty on v2, where there is one hierarchy.
     */
    default java.util.Set<String> controllers() {
        return java.util.Set.of();
    }

    CgroupHost host();

    /**
     * Creates (or adopts) the VM's domain group and moves process {@code pid} into it.
     * On failure, groups this call created are removed again.
     */
    DomainCgroup createDomain(CgroupLayout layout, int pid);

    /** The VM's existing domain group (to re-adopt a running VM), or empty. */
    Optional<DomainCgroup> open(CgroupLayout layout);

    /**
     * Moves threads into thread groups in one burst (v1: {@code tasks} of each controller, v2:
     * {@code cgroup.threads}). The first attach after an idle period waits for an RCU grace period
     * (milliseconds), the following ones take microseconds: call this once, after every mkdir and
     * value write, not once per thread between other work.
     *
     * @throws CgroupWriteException on the first refusal (ESRCH for an exited thread, ENOSPC for an
     *     empty cpuset, EINVAL/EOPNOTSUPP for a thread outside the threaded subtree); threads before it
     *     stay moved
     */
    default void attachThreads(Map<ThreadCgroup, ? extends Collection<Integer>> placement) {
        // the node knows its version's membership file (v1 tasks, v2 cgroup.threads)
        for (Map.Entry<ThreadCgroup, ? extends Collection<Integer>> e : placement.entrySet()) {
            for (int tid : e.getValue()) {
                e.getKey().node.attachThread(tid);
            }
        }
    }

    /**
     * Attaches {@code tids} to {@code group}, skipping threads that exited meanwhile (ESRCH) instead
     * of stopping: for thread populations that come and go, such as a thread pool's workers.
     *
     * @return the threads that were gone
     */
    default java.util.List<Integer> attachThreadsSkippingExited(ThreadCgroup group, Collection<Integer> tids) {
        java.util.List<Integer> gone = new java.util.ArrayList<>();
        for (int tid : tids) {
            try {
                group.node.attachThread(tid);
            } catch (CgroupWriteException e) {
                if (!io.qtune.host.ThreadGone.exited(e, tid)) {
                    throw e;
                }
                gone.add(tid);
            }
        }
        return gone;
    }

    /**
     * Moves {@code pid} back into the groups it was in, as read from {@code /proc/<pid>/cgroup}
     * before a {@link #createDomain} (see {@link io.qtune.host.proc.ProcFs#cgroups(int)}): the
     * rollback of a domain this operation created, so that the group can be removed.
     */
    void returnProcess(int pid, Map<String, String> original);

    /**
     * Names of the directories directly under {@code template}'s partition: the VM groups there
     * (qtune's or libvirt's), for gc and machine-id allocation.
     */
    java.util.List<String> partitionChildren(CgroupLayout template);
}
