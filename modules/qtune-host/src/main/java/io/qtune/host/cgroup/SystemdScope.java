package io.qtune.host.cgroup;

import io.qtune.host.cgroup.SystemdBus.Property;
import io.qtune.host.proc.ProcFs;
import io.qtune.host.proc.ProcessIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.types.UInt32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's systemd scope, as libvirt gets it (src/util/virsystemd.c, virSystemdCreateMachine): the VM
 * is registered with systemd-machined ({@code CreateMachineWithNetwork}, or {@code CreateMachine}
 * where that is unknown) as machine {@code qemu-<id>-<name>}, class {@code vm}, leader = QEMU's pid,
 * root directory "", with the scope properties {@code Slice}, {@code After}, {@code Before}; machined
 * starts {@code machine-qemu\x2d<id>\x2d<name>.scope} with {@code Delegate=yes}, so
 * {@code machinectl list/status/terminate} know the VM. Where machined is absent the same scope is
 * asked of systemd ({@code StartTransientUnit}, {@code Delegate=yes}), logged once. Both over
 * D-Bus (dbus-java); no subprocess. On exit {@link #terminate} is libvirt's
 * virSystemdTerminateMachine.
 */
public final class SystemdScope {
    private static final Logger LOG = LoggerFactory.getLogger(SystemdScope.class);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final AtomicBoolean SAID_NO_MACHINED = new AtomicBoolean();
    /** libvirt's service name is {@code libvirt-qemu}; machinectl shows this one as the VM's service. */
    static final String SERVICE = "qtune";
    /** libvirt-guests.service's ordering point: VMs are stopped before it is reached at shutdown. */
    static final String BEFORE = "virt-guest-shutdown.target";

    /** machined names leaders by pid: the start time read here tells a reused pid apart. */
    private static final ProcFs PROC = new ProcFs(Path.of("/"));

    /** Test seam: the bus name machined is looked up under (another name simulates its absence). */
    static volatile String machinedName = SystemdBus.MACHINED;

    private SystemdScope() {
    }

    /**
     * Registers the VM of {@code layout} whose QEMU is {@code pid} and waits until the scope's
     * cgroup directory under {@code mount} (the hierarchy systemd manages: the unified tree on v2,
     * {@code name=systemd} on v1) holds the pid.
     */
    public static void create(CgroupLayout layout, int pid, Path mount) {
        String scopePath = layout.scopePath();
        String unit = scopePath.substring(scopePath.lastIndexOf('/') + 1);
        String parent = scopePath.substring(0, scopePath.lastIndexOf('/'));
        String slice = parent.isEmpty() ? "-.slice" : parent.substring(parent.lastIndexOf('/') + 1);
        String machine = layout.machine().value();
        List<Property> props = new ArrayList<>();
        props.add(Property.of("Slice", slice));
        // libvirt orders the scope after libvirtd.service so VMs stop before the daemon; qtune's
        // counterpart is the service it runs in, if it runs in one
        ownService().ifPresent(s -> props.add(Property.strings("After", List.of(s))));
        props.add(Property.strings("Before", List.of(BEFORE)));
        io.qtune.host.Errno injected = io.qtune.host.KernelFaults.check("systemd_scope", unit, Integer.toString(pid));
        if (injected != null) {
            throw new CgroupException("systemd refused to create scope " + unit + ": " + injected.name()
                    + " (injected by a test)", injected, null);
        }
        try (SystemdBus bus = SystemdBus.open()) {
            if (bus.available(machinedName)) {
                register(bus, machine, pid, props, unit);
            } else {
                if (SAID_NO_MACHINED.compareAndSet(false, true)) {
                    LOG.warn("systemd-machined is not available on the system bus: VMs get a plain delegated "
                            + "scope from systemd and are not listed by machinectl (install systemd-container)");
                }
                plainScope(bus, unit, pid, machine, props);
            }
        } catch (DBusExecutionException e) {
            throw new CgroupException("systemd refused scope " + unit + " in " + slice + " for pid " + pid + ": "
                    + SystemdBus.errorName(e) + ": " + e.getMessage());
        }
        awaitScope(mount.resolve(scopePath.substring(1)), pid, unit);
    }

    private static void register(SystemdBus bus, String machine, int pid, List<Property> props, String unit) {
        byte[] noId = new byte[0]; // qtune knows no domain UUID; machined accepts an empty id
        try {
            bus.machined().CreateMachineWithNetwork(machine, noId, SERVICE, "vm", new UInt32(pid), "", new int[0],
                    props);
        } catch (DBusExecutionException e) {
            if (!SystemdBus.errorName(e).endsWith("UnknownMethod")) {
                throw e;
            }
            bus.machined().CreateMachine(machine, noId, SERVICE, "vm", new UInt32(pid), "", props);
        }
        LOG.info("registered machine {} (leader {}) with systemd-machined: {}", machine, pid, unit);
    }

    private static void plainScope(SystemdBus bus, String unit, int pid, String machine, List<Property> props) {
        List<Property> all = new ArrayList<>(props);
        all.add(Property.pids(pid));
        all.add(Property.of("Delegate", Boolean.TRUE));
        all.add(Property.of("Description", "qtune VM " + machine));
        bus.systemd().StartTransientUnit(unit, "fail", all, List.of());
    }

    /**
     * libvirt's virSystemdTerminateMachine when the VM is gone: machined stops the scope and forgets
     * the machine. Only the machine whose leader was {@code qemu}: a later VM under the same machine
     * name is left alone, also when its leader took {@code qemu}'s pid (a pid is reused, the pid and
     * start time are not). An unknown machine (machined already dropped it with the empty scope, or
     * there is no machined) is not an error. Best effort: a failure is logged, never thrown.
     */
    public static void terminate(CgroupLayout layout, ProcessIdentity qemu) {
        String machine = layout.machine().value();
        int pid = qemu.pid();
        try (SystemdBus bus = SystemdBus.open()) {
            if (!bus.available(machinedName)) {
                return;
            }
            DBusPath path;
            try {
                path = bus.machined().GetMachine(machine);
            } catch (DBusExecutionException e) {
                // NoSuchMachine (dbus-java keeps no error name for it): machined dropped the machine
                // with its emptied scope already, which is the usual case after QEMU's exit
                LOG.debug("machine {} is not known to machined: {}", machine, e.getMessage());
                return;
            }
            Object leader = bus.properties(machinedName, path).Get("org.freedesktop.machine1.Machine", "Leader");
            if (!(leader instanceof UInt32 u) || u.intValue() != pid) {
                LOG.info("machine {} is led by pid {} now, not {}: left alone", machine, leader, pid);
                return;
            }
            Optional<ProcessIdentity> now = PROC.identity(pid);
            if (now.isPresent() && !now.get().equals(qemu)) {
                LOG.info("machine {} is led by pid {}, a process started after the VM's QEMU: left alone", machine,
                        pid);
                return;
            }
            bus.machined().TerminateMachine(machine);
            LOG.info("terminated machine {}", machine);
        } catch (DBusExecutionException e) {
            LOG.warn("terminating machine {} failed: {}: {}", machine, SystemdBus.errorName(e), e.getMessage());
        } catch (CgroupException e) {
            LOG.warn("terminating machine {} failed: {}", machine, e.getMessage());
        }
    }

    /** Whether the fallback without machined was logged (once per process). */
    static boolean saidNoMachined() {
        return SAID_NO_MACHINED.get();
    }

    /** The {@code .service} unit this process runs in, from its own cgroup (systemd's hierarchy). */
    static java.util.Optional<String> ownService() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && (f[0].equals("0") && f[1].isEmpty() || f[1].equals("name=systemd"))) {
                    String last = f[2].substring(f[2].lastIndexOf('/') + 1);
                    if (last.endsWith(".service")) {
                        return java.util.Optional.of(last);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no own unit: no After ordering
        }
        return java.util.Optional.empty();
    }

    private static void awaitScope(Path dir, int pid, String unit) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!holds(dir, pid)) {
            if (System.nanoTime() > deadline) {
                throw new CgroupException("systemd scope " + unit + " was accepted but " + dir
                        + " does not hold pid " + pid + " after " + WAIT.toSeconds() + " s");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CgroupException("interrupted while waiting for systemd scope " + unit);
            }
        }
    }

    private static boolean holds(Path dir, int pid) {
        try {
            return Files.isDirectory(dir) && Files.readAllLines(dir.resolve("cgroup.procs")).contains(Integer.toString(pid));
        } catch (IOException e) {
            return false;
        }
    }
}
