package io.qtune.host.cgroup;

import io.qtune.host.cpu.CpuSet;
import java.nio.file.Path;
import java.util.List;

/**
 * A group qtune tunes: a VM's domain group or one of its thread groups. Setters validate
 * the value first (nothing is written when it is out of range) and throw
 * {@link CgroupWriteException} with the errno when the kernel refuses it.
 */
public abstract sealed class CpuCgroup permits DomainCgroup, ThreadCgroup {
    private static final int REMOVE_ATTEMPTS = 5;
    private static final long REMOVE_DELAY_MS = 200;

    final CgroupNode node;

    CpuCgroup(CgroupNode node) {
        this.node = node;
    }

    /** The cgroup version of the backend that made this group. */
    public CgroupVersion version() {
        return node.version();
    }

    /** This group's directory for {@code controller} (one directory for all on v2). */
    public Path path(String controller) {
        return node.path(controller);
    }

    /** True while the group's directory exists. */
    public boolean exists() {
        return node.exists();
    }

    /**
     * v1 {@code cpu.shares} (2..262144). On v2 the value is converted to a weight with
     * {@link CpuTunables#sharesToWeight(long)} (2 to 1, 1024 to 100, 262144 to 10000).
     */
    public void setShares(long shares) {
        node.setShares(shares);
    }

    /** v1 {@code cpu.shares}; v2 has none (read {@link #weight()}). */
    public long shares() {
        return node.shares();
    }

    /** v2 {@code cpu.weight} (1..10000), written as given; v1 has none (use {@link #setShares(long)}). */
    public void setWeight(long weight) {
        node.setWeight(weight);
    }

    /** v2 {@code cpu.weight}. */
    public long weight() {
        return node.weight();
    }

    /** CFS period in microseconds (1000..1000000); v2 keeps the quota of {@code cpu.max}. */
    public void setCfsPeriod(long period) {
        node.setCfsPeriod(period);
    }

    public long cfsPeriod() {
        return node.cfsPeriod();
    }

    /**
     * CFS quota in microseconds (1000..17592186044415) or negative for unlimited. v2 writes the
     * quota alone to {@code cpu.max} (the period stays), {@code max} for unlimited.
     */
    public void setCfsQuota(long quota) {
        node.setCfsQuota(quota);
    }

    /** The quota, -1 when unlimited. */
    public long cfsQuota() {
        return node.cfsQuota();
    }

    /** {@code cpuset.cpus}. */
    public void setCpus(CpuSet cpus) {
        node.setCpus(cpus);
    }

    /** {@code cpuset.cpus} as configured (on v2 empty means "the parent's"). */
    public CpuSet cpus() {
        return node.cpus();
    }

    /** The CPUs the kernel actually grants the group. */
    public CpuSet effectiveCpus() {
        return node.effectiveCpus();
    }

    /** {@code cpuset.mems}. */
    public void setMems(CpuSet mems) {
        node.setMems(mems);
    }

    public CpuSet mems() {
        return node.mems();
    }

    /** The memory nodes the kernel actually grants the group (on v2 an empty cpuset.mems inherits). */
    public CpuSet effectiveMems() {
        return node.effectiveMems();
    }

    /** CFS throttling statistics. */
    public CpuStat cpuStat() {
        return node.cpuStat();
    }

    /**
     * CPU time used by the group's tasks: cpuacct.usage on v1, cpu.stat usage_usec on v2; on a v1 host
     * where libvirt's tree has no cpuacct group, the on-CPU time of its current threads (/proc).
     */
    public long usageNs() {
        return node.usageNs();
    }

    /** TIDs in the group (v1 {@code tasks}, v2 {@code cgroup.threads}). */
    public List<Integer> threads() {
        return node.threads();
    }

    /** TIDs in the group in every hierarchy (v1: not one a killed qtune moved only partly). */
    public List<Integer> threadsInEveryHierarchy() {
        return node.threadsInEveryHierarchy();
    }

    /**
     * One attempt to remove the group and everything below it: false (and the group left) when the
     * kernel still counts a task in it (EBUSY), for a caller that knows its last task is exiting.
     */
    public boolean tryRemove() {
        try {
            node.removeTree();
            return true;
        } catch (CgroupWriteException e) {
            if (e.errno().orElse(null) == io.qtune.host.Errno.EBUSY) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Removes the group and everything below it, depth-first; EBUSY is retried 5 times 200 ms
     * apart, as libvirt does for an exiting QEMU.
     */
    public void remove() {
        for (int attempt = 1;; attempt++) {
            try {
                node.removeTree();
                return;
            } catch (CgroupWriteException e) {
                if (attempt >= REMOVE_ATTEMPTS || e.errno().orElse(null) != io.qtune.host.Errno.EBUSY) {
                    throw e;
                }
            }
            try {
                Thread.sleep(REMOVE_DELAY_MS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new CgroupException("interrupted while removing " + node.primary());
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuCgroup other && other.getClass() == getClass() && node.primary().equals(other.node.primary());
    }

    @Override
    public int hashCode() {
        return node.primary().hashCode();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + node.primary() + "]";
    }
}
