package io.qtune.host;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A seam for tests around the host module's changing kernel calls: cgroupfs {@code mkdir},
 * {@code rmdir} and {@code write} (attaches included), {@code sched_setaffinity},
 * {@code sched_setscheduler} and systemd's {@code StartTransientUnit}. An injector may fail a call
 * with a chosen errno before it reaches the kernel; the caller then throws its usual typed
 * exception. A fault injector, not a fake: every call it lets through goes to the real kernel.
 * Nothing is installed in production.
 *
 * <p>Test only: the environment variable {@value #KILL_AT} = k (read once, ignored unless set to a
 * number) makes the process SIGKILL itself right after its k-th changing kernel call, that is when
 * it is about to make call k+1 (k = 0: before the first). The crash sweep runs the CLI with it to
 * prove that a qtune killed at any point leaves a state a fresh {@code apply} and {@code gc} clean up.
 */
public final class KernelFaults {
    /** The test-only environment variable of the crash sweep. */
    public static final String KILL_AT = "QTUNE_TEST_KILL_AT_KERNEL_CALL";

    /** Decides per call: an errno fails it, null lets it through. */
    @FunctionalInterface
    public interface Injector {
        /**
         * @param op {@code mkdir}, {@code rmdir}, {@code write}, {@code sched_setaffinity},
         *     {@code sched_setscheduler} or {@code systemd_scope}
         * @param target the directory or file, the thread id, or the scope's unit name
         * @param value the value written, the CPU set, the policy or the pid; null for mkdir/rmdir
         */
        Errno before(String op, String target, String value);
    }

    private static volatile Injector injector;
    private static final long KILL_AFTER = killAfter(System.getenv(KILL_AT));
    private static final AtomicLong CALLS = new AtomicLong();

    private KernelFaults() {
    }

    /** Installs {@code i} for every thread until the returned handle is closed. */
    public static AutoCloseable install(Injector i) {
        injector = i;
        return () -> injector = null;
    }

    /** The errno to fail this call with, or null to make it. */
    public static Errno check(String op, Object target, String value) {
        if (KILL_AFTER >= 0 && CALLS.getAndIncrement() >= KILL_AFTER) {
            SelfKill.now();
        }
        Injector i = injector;
        return i == null ? null : i.before(op, String.valueOf(target), value);
    }

    static long killAfter(String env) {
        if (env == null || env.isBlank()) {
            return -1;
        }
        try {
            return Long.parseLong(env.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** kill(getpid(), SIGKILL): no shutdown hook, no finally block, as a crash or an OOM kill. */
    private static final class SelfKill {
        static {
            Native.register(NativeLibrary.getInstance("libc.so.6"));
        }

        private static native int kill(int pid, int sig);

        static void now() {
            System.err.flush();
            kill((int) ProcessHandle.current().pid(), 9);
            while (true) {
                Thread.onSpinWait(); // the signal is on its way
            }
        }
    }
}
