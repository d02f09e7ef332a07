package io.qtune.host.sched;

import com.sun.jna.LastErrorException;
import io.qtune.host.Errno;
import io.qtune.host.cpu.CpuSet;
import java.util.BitSet;

/**
 * CPU affinity of any thread (by TID) through sched_setaffinity/sched_getaffinity, and the
 * caller's TID. The mask grows on EINVAL (as libvirt's virProcessGetAffinity does), so hosts
 * with thousands of CPUs work.
 */
public final class ThreadAffinity {
    /** Start with room for 1024 CPUs; doubled while the kernel says EINVAL, up to this many words. */
    private static final int INITIAL_WORDS = 1024 / 64;
    private static final int MAX_WORDS = (CpuSet.MAX_CPU + 1) / 64;

    private ThreadAffinity() {
    }

    /** The calling thread's kernel TID (gettid(2)). */
    public static int gettid() {
        return LibC.gettid();
    }

    /**
     * Restricts thread {@code tid} (0 = caller) to {@code cpus}.
     *
     * @throws IllegalArgumentException if {@code cpus} is empty (nothing changes)
     * @throws AffinityException with EINVAL when no CPU of the set is online and allowed by the
     *     thread's cpuset cgroup, ESRCH when the thread does not exist, EPERM without permission
     */
    public static void set(int tid, CpuSet cpus) {
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("Empty cpu list for pinning thread " + tid);
        }
        int words = (cpus.last() / 64) + 1;
        long[] mask = new long[words];
        for (int c : cpus.cpus()) {
            mask[c / 64] |= 1L << (c % 64);
        }
        Errno injected = io.qtune.host.KernelFaults.check("sched_setaffinity", tid, cpus.toList());
        if (injected != null) {
            throw new AffinityException(tid, "sched_setaffinity(" + tid + ", [" + cpus + "]) failed: "
                    + injected.name() + " (injected by a test)", injected, null);
        }
        try {
            LibC.sched_setaffinity(tid, (long) words * 8, mask);
        } catch (LastErrorException e) {
            Errno errno = Errno.ofNumber(e.getErrorCode()).orElse(null);
            throw new AffinityException(tid, "sched_setaffinity(" + tid + ", [" + cpus + "]) failed: "
                    + explainSet(errno, e), errno, e);
        }
    }

    /** The CPUs thread {@code tid} (0 = caller) may run on. */
    public static CpuSet get(int tid) {
        int words = INITIAL_WORDS;
        while (true) {
            long[] mask = new long[words];
            try {
                LibC.sched_getaffinity(tid, (long) words * 8, mask);
                BitSet bits = BitSet.valueOf(mask);
                return CpuSet.fromBitSet(bits);
            } catch (LastErrorException e) {
                Errno errno = Errno.ofNumber(e.getErrorCode()).orElse(null);
                if (errno == Errno.EINVAL && words < MAX_WORDS) {
                    words *= 2; // the kernel's cpumask is larger than our buffer
                    continue;
                }
                throw new AffinityException(tid, "sched_getaffinity(" + tid + ") failed: "
                        + (errno == Errno.ESRCH ? "no thread " + tid + " (it exited or never existed)" : e.getMessage()),
                        errno, e);
            }
        }
    }

    private static String explainSet(Errno errno, LastErrorException e) {
        if (errno == null) {
            return e.getMessage();
        }
        return switch (errno) {
            case EINVAL -> "EINVAL: none of these CPUs is online and allowed by the thread's cpuset cgroup";
            case ESRCH -> "ESRCH: no such thread (it exited or never existed)";
            case EPERM -> "EPERM: not allowed to change this thread's affinity (needs CAP_SYS_NICE or the same user)";
            default -> errno.name() + ": " + errno.text();
        };
    }
}
