package io.qtune.host.sched;

import com.sun.jna.LastErrorException;
import io.qtune.host.Errno;

/** Scheduling policy and priority of any thread, through sched_setscheduler(2). */
public final class ThreadScheduler {
    private ThreadScheduler() {
    }

    /**
     * Sets thread {@code tid}'s policy and priority.
     *
     * @throws IllegalArgumentException if the priority is outside the policy's range (nothing changes)
     * @throws SchedulerException EPERM with the likely reason (RT group scheduling), ESRCH, EINVAL
     */
    public static void set(int tid, SchedPolicy policy, int priority) {
        policy.checkPriority(priority);
        Errno injected = io.qtune.host.KernelFaults.check("sched_setscheduler", tid, policy.libvirtName());
        if (injected != null) {
            throw new SchedulerException(tid, "sched_setscheduler(" + tid + ", " + policy.libvirtName() + ", "
                    + priority + ") failed: " + injected.name() + " (injected by a test)", injected, null);
        }
        try {
            LibC.sched_setscheduler(tid, policy.linuxValue(), new int[] {priority});
        } catch (LastErrorException e) {
            Errno errno = Errno.ofNumber(e.getErrorCode()).orElse(null);
            throw new SchedulerException(tid, "sched_setscheduler(" + tid + ", " + policy.libvirtName() + ", "
                    + priority + ") failed: " + explain(errno, policy, e), errno, e);
        }
    }

    /** Thread {@code tid}'s current policy and priority. */
    public static ThreadSchedule get(int tid) {
        try {
            int policy = LibC.sched_getscheduler(tid);
            int[] param = new int[1];
            LibC.sched_getparam(tid, param);
            return new ThreadSchedule(SchedPolicy.ofLinux(policy), param[0]);
        } catch (LastErrorException e) {
            Errno errno = Errno.ofNumber(e.getErrorCode()).orElse(null);
            throw new SchedulerException(tid, "sched_getscheduler(" + tid + ") failed: "
                    + (errno == null ? e.getMessage() : errno.name() + ": " + errno.text()), errno, e);
        }
    }

    private static String explain(Errno errno, SchedPolicy policy, LastErrorException e) {
        if (errno == null) {
            return e.getMessage();
        }
        return switch (errno) {
            case EPERM -> policy.realtime()
                    ? "EPERM: real-time policies need CAP_SYS_NICE and, with RT group scheduling "
                      + "(CONFIG_RT_GROUP_SCHED), a cpu cgroup with real-time budget; a new cgroup v1 group "
                      + "starts with cpu.rt_runtime_us=0, so give the thread's group (and its parents) "
                      + "a cpu.rt_runtime_us > 0 or keep real-time threads in the root cpu cgroup; "
                      + "cgroup v2 cannot budget real-time threads outside the root cgroup"
                    : "EPERM: not permitted (needs CAP_SYS_NICE or the same user)";
            case ESRCH -> "ESRCH: no such thread (it exited or never existed)";
            case EINVAL -> "EINVAL: the kernel refused policy " + policy.libvirtName() + " with this priority";
            default -> errno.name() + ": " + errno.text();
        };
    }
}
