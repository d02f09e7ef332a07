package io.qtune.host.sched;

import io.qtune.host.Errno;
import io.qtune.host.HostException;

/** sched_setscheduler/sched_getscheduler failed for a thread. */
public final class SchedulerException extends HostException {
    private final int tid;

    SchedulerException(int tid, String message, Errno errno, Throwable cause) {
        super(message, errno, cause);
        this.tid = tid;
    }

    /** The thread the call was made for. */
    public int tid() {
        return tid;
    }
}
