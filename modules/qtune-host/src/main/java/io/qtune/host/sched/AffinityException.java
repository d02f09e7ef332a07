package io.qtune.host.sched;

import io.qtune.host.Errno;
import io.qtune.host.HostException;

/** sched_setaffinity/sched_getaffinity failed for a thread. */
public final class AffinityException extends HostException {
    private final int tid;

    AffinityException(int tid, String message, Errno errno, Throwable cause) {
        super(message, errno, cause);
        this.tid = tid;
    }

    /** The thread the call was made for. */
    public int tid() {
        return tid;
    }
}
