package io.qtune.qmp;

/**
 * A seam for tests around the commands a {@link QmpClient} sends: an injector may have a command
 * fail, and QEMU itself then answers it with an error (the command goes out, with its id, as an
 * {@code object-del} of an object that does not exist), in order with every other reply. Every
 * command it does not fail goes to QEMU unchanged. Nothing is installed in production.
 */
public final class QmpFaults {
    /** Decides per command: true fails it. */
    @FunctionalInterface
    public interface Injector {
        boolean fail(String command);
    }

    /** The object whose deletion QEMU refuses in place of a failed command. */
    public static final String MISSING_OBJECT = "qtune-injected-fault";

    private static volatile Injector injector;

    private QmpFaults() {
    }

    /** Installs {@code i} for every client until the returned handle is closed. */
    public static AutoCloseable install(Injector i) {
        injector = i;
        return () -> injector = null;
    }

    static boolean fails(String command) {
        Injector i = injector;
        return i != null && i.fail(command);
    }
}
