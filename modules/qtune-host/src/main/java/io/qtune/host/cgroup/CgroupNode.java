package io.qtune.host.cgroup;

import io.qtune.host.cpu.CpuSet;
import java.nio.file.Path;
import java.util.List;

/** One group's files in one backend; the public classes delegate here. */
interface CgroupNode {
    CgroupVersion version();

    /** Directory of this group for {@code controller}. */
    Path path(String controller);

    /** The directory used as identity (cpu controller's). */
    Path primary();

    boolean exists();

    /** Exists in every hierarchy it belongs to (v1: a qtune killed between mkdirs leaves a part). */
    default boolean whole() {
        return exists();
    }

    /**
     * A thread group that {@link #createThreadChild} finished: {@link #whole} and, where a thread
     * group copies a value from its domain (v1's cpuset.memory_migrate), that value copied. A
     * process killed between those writes leaves a group that is whole but not finished.
     */
    default boolean finishedThreadChild() {
        return whole();
    }

    CgroupNode child(String name);

    List<String> childNames();

    /** Creates (or adopts) a thread group child with libvirt's steps for this version. */
    CgroupNode createThreadChild(String name);

    void setShares(long shares);

    long shares();

    void setWeight(long weight);

    long weight();

    void setCfsPeriod(long period);

    long cfsPeriod();

    void setCfsQuota(long quota);

    long cfsQuota();

    void setCpus(CpuSet cpus);

    CpuSet cpus();

    CpuSet effectiveCpus();

    void setMems(CpuSet mems);

    CpuSet mems();

    CpuSet effectiveMems();

    CpuStat cpuStat();

    long usageNs();

    List<Integer> threads();

    /**
     * TIDs in the group in every hierarchy it has (v1: a process killed between a thread's
     * per-controller attach writes leaves it in only some); on v2, {@link #threads()}.
     */
    default List<Integer> threadsInEveryHierarchy() {
        return threads();
    }

    List<Integer> processes();

    void attachThread(int tid);

    void attachProcess(int pid);

    void removeTree();
}
