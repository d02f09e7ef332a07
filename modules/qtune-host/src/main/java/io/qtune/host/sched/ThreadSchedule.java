package io.qtune.host.sched;

/** A thread's scheduling policy and static priority. */
public record ThreadSchedule(SchedPolicy policy, int priority) {
    public ThreadSchedule {
        policy.checkPriority(priority);
    }
}
