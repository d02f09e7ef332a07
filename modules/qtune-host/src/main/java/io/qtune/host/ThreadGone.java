package io.qtune.host;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether an ESRCH means what callers that skip exited threads take it to mean. ESRCH is "no such
 * thread"; a thread that still has its {@code /proc/TID} did not exit, so the error is real and
 * must not be skipped (fail closed: a reused ID also counts as present).
 */
public final class ThreadGone {
    private ThreadGone() {
    }

    /** True when {@code e} is ESRCH for {@code tid} and that thread is gone from this host. */
    public static boolean exited(HostException e, int tid) {
        return e.errno().orElse(null) == Errno.ESRCH && !Files.exists(Path.of("/proc", Integer.toString(tid)));
    }
}
