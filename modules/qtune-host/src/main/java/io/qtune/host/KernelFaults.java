package io.qtune.host;

/**
 * A seam for tests around the host module's changing kernel calls: cgroupfs {@code mkdir},
 * {@code rmdir} and {@code write} (attaches included), {@code sched_setaffinity} and
 * {@code sched_setscheduler}. An injector may fail a call with a chosen errno before it reaches the
 * kernel; the caller then throws its usual typed exception. A fault injector, not a fake: every
 * call it lets through goes to the real kernel. Nothing is installed in production.
 */
public final class KernelFaults {
    /** Decides per call: an errno fails it, null lets it through. */
    @FunctionalInterface
    public interface Injector {
        /**
         * @param op {@code mkdir}, {@code rmdir}, {@code write}, {@code sched_setaffinity} or
         *     {@code sched_setscheduler}
         * @param target the directory or file, or the thread id
         * @param value the value written, the CPU set or the policy; null for mkdir/rmdir
         */
        Errno before(String op, String target, String value);
    }

    private static volatile Injector injector;

    private KernelFaults() {
    }

    /** Installs {@code i} for every thread until the returned handle is closed. */
    public static AutoCloseable install(Injector i) {
        injector = i;
        return () -> injector = null;
    }

    /** The errno to fail this call with, or null to make it. */
    public static Errno check(String op, Object target, String value) {
        Injector i = injector;
        return i == null ? null : i.before(op, String.valueOf(target), value);
    }
}
