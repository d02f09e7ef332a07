package io.qtune.host.cgroup;

import java.util.List;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;

/**
 * The system bus as qtune uses it: the few methods of systemd ({@code org.freedesktop.systemd1})
 * and systemd-machined ({@code org.freedesktop.machine1}) that libvirt calls, through dbus-java.
 * A connection is opened only when a systemd host needs one (a VM's scope is created or its
 * machine terminated) and closed after: hosts without systemd never load any of this.
 */
final class SystemdBus implements AutoCloseable {
    static final String SYSTEMD = "org.freedesktop.systemd1";
    static final String MACHINED = "org.freedesktop.machine1";

    private final DBusConnection conn;

    private SystemdBus(DBusConnection conn) {
        this.conn = conn;
    }

    static SystemdBus open() {
        try {
            return new SystemdBus(DBusConnectionBuilder.forSystemBus().withShared(false).build());
        } catch (DBusException | RuntimeException e) {
            throw new CgroupException("cannot connect to the system D-Bus (systemd is init here): " + e.getMessage());
        }
    }

    /** Whether {@code name} runs on the bus or can be activated (libvirt's virSystemdHasMachined). */
    boolean available(String name) {
        org.freedesktop.dbus.interfaces.DBus bus = remote("org.freedesktop.DBus", "/org/freedesktop/DBus",
                org.freedesktop.dbus.interfaces.DBus.class);
        return List.of(bus.ListActivatableNames()).contains(name) || bus.NameHasOwner(name);
    }

    MachineManager machined() {
        return remote(MACHINED, "/org/freedesktop/machine1", MachineManager.class);
    }

    SystemdManager systemd() {
        return remote(SYSTEMD, "/org/freedesktop/systemd1", SystemdManager.class);
    }

    org.freedesktop.dbus.interfaces.Properties properties(String busName, DBusPath path) {
        return remote(busName, path.getPath(), org.freedesktop.dbus.interfaces.Properties.class);
    }

    private <T extends DBusInterface> T remote(String busName, String path, Class<T> type) {
        try {
            return conn.getRemoteObject(busName, path, type);
        } catch (DBusException e) {
            throw new CgroupException("D-Bus object " + busName + " " + path + ": " + e.getMessage());
        }
    }

    /**
     * What failed: dbus-java maps the standard D-Bus errors to classes ({@code ...errors.UnknownMethod})
     * and any other error name to a plain {@link DBusExecutionException} carrying only the message.
     */
    static String errorName(DBusExecutionException e) {
        String t = e.getType();
        return t == null ? e.getClass().getName() : t;
    }

    @Override
    public void close() {
        conn.disconnect();
    }

    /** One entry of an {@code a(sv)} property list. */
    public static final class Property extends Struct {
        @Position(0)
        public final String name;
        @Position(1)
        public final Variant<?> value;

        public Property(String name, Variant<?> value) {
            this.name = name;
            this.value = value;
        }

        static Property of(String name, Object value) {
            return new Property(name, new Variant<>(value));
        }

        static Property strings(String name, List<String> values) {
            return new Property(name, new Variant<>(values, "as"));
        }

        static Property pids(int pid) {
            return new Property("PIDs", new Variant<>(List.of(new UInt32(pid)), "au"));
        }
    }

    /** An auxiliary unit of StartTransientUnit ({@code a(sa(sv))}); qtune passes none. */
    public static final class AuxUnit extends Struct {
        @Position(0)
        public final String name;
        @Position(1)
        public final List<Property> properties;

        public AuxUnit(String name, List<Property> properties) {
            this.name = name;
            this.properties = properties;
        }
    }

    /** {@code org.freedesktop.machine1.Manager}: the methods libvirt's virsystemd.c calls. */
    @DBusInterfaceName("org.freedesktop.machine1.Manager")
    public interface MachineManager extends DBusInterface {
        DBusPath CreateMachineWithNetwork(String name, byte[] id, String service, String machineClass, UInt32 leader,
                String rootDirectory, int[] ifindices, List<Property> scopeProperties);

        DBusPath CreateMachine(String name, byte[] id, String service, String machineClass, UInt32 leader,
                String rootDirectory, List<Property> scopeProperties);

        DBusPath GetMachine(String name);

        void TerminateMachine(String name);
    }

    /** {@code org.freedesktop.systemd1.Manager}: a transient unit, when machined is absent. */
    @DBusInterfaceName("org.freedesktop.systemd1.Manager")
    public interface SystemdManager extends DBusInterface {
        DBusPath StartTransientUnit(String name, String mode, List<Property> properties, List<AuxUnit> aux);
    }
}
