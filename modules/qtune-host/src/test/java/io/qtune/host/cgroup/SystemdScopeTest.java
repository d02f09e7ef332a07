package io.qtune.host.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.host.proc.ProcessIdentity;
import io.qtune.testkit.TestTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Registration with systemd-machined over D-Bus, as libvirt's virSystemdCreateMachine /
 * virSystemdTerminateMachine, and the plain delegated scope where machined is absent. A real
 * systemd (the v2 lane's systemd modes, v2 and v1); a {@code sleep} stands in for QEMU: machined
 * only needs a leader process. Skipped where systemd is not init.
 */
@Tag("systemd")
class SystemdScopeTest {
    private static final Duration SLOW = TestTime.seconds(10);

    static boolean systemd() {
        return Files.isDirectory(Path.of("/run/systemd/system"));
    }

    /** The hierarchy systemd manages: the unified tree, or name=systemd on a v1 host. */
    private static Path systemdMount(CgroupHost host) {
        return host.v1Mount("name=systemd").map(CgroupMount::dir)
                .or(() -> host.unified().map(CgroupMount::dir)).orElseThrow();
    }

    private static CgroupLayout layout(CgroupHost host, String name) {
        // a machine id no VM of the lane uses
        int id = 9000 + ThreadLocalRandom.current().nextInt(900);
        return CgroupLayout.forHost(MachineName.of(id, name), host).withNested(false);
    }

    @Test
    void vmIsAMachineOfClassVmLedByQemuAndTerminatesLikeLibvirt() throws Exception {
        assumeTrue(systemd(), "needs systemd as init");
        CgroupHost host = CgroupHost.detect(Path.of("/"));
        CgroupLayout l = layout(host, "sdmachine");
        String machine = l.machine().value();
        String unit = l.scopePath().substring(l.scopePath().lastIndexOf('/') + 1);
        Process leader = new ProcessBuilder("sleep", "100000").start();
        int pid = (int) leader.pid();
        try {
            SystemdScope.create(l, pid, systemdMount(host));
            List<String> m = lines(run("machinectl", "show", machine, "-p", "Name", "-p", "Class", "-p", "Service",
                    "-p", "Unit", "-p", "Leader"));
            assertEquals(java.util.Set.of("Name=" + machine, "Class=vm", "Service=qtune", "Unit=" + unit,
                    "Leader=" + pid), java.util.Set.copyOf(m));
            assertTrue(run("machinectl", "list", "--no-legend").contains(machine), "machinectl list");
            // the unit's properties: libvirt's (Slice, After, Before) and machined's own (Delegate, Description)
            List<String> p = lines(run("systemctl", "show", unit, "-p", "Delegate", "-p", "Slice", "-p", "Before",
                    "-p", "After", "-p", "Description", "-p", "ActiveState"));
            assertTrue(p.contains("Delegate=yes"), p.toString());
            assertTrue(p.contains("Slice=machine.slice"), p.toString());
            assertTrue(p.contains("ActiveState=active"), p.toString());
            assertTrue(p.contains("Description=Virtual Machine " + machine), p.toString());
            assertTrue(p.stream().anyMatch(x -> x.startsWith("Before=") && x.contains(SystemdScope.BEFORE)), p.toString());
            SystemdScope.ownService().ifPresent(s -> assertTrue(
                    p.stream().anyMatch(x -> x.startsWith("After=") && x.contains(s)), s + " in " + p));

            // another pid's machine is never terminated
            ProcessIdentity me = new io.qtune.host.proc.ProcFs(Path.of("/")).identity(pid).orElseThrow();
            SystemdScope.terminate(l, new ProcessIdentity(pid + 1, me.startTime()));
            assertTrue(leader.isAlive());
            assertTrue(run("machinectl", "list", "--no-legend").contains(machine));
            // nor the machine of a later process that took the pid of the one we mean (the same pid,
            // another start time: the QEMU we release is gone and its pid was reused)
            SystemdScope.terminate(l, new ProcessIdentity(pid, me.startTime() - 1));
            assertTrue(leader.isAlive(), "a later process at the same pid keeps its machine");
            assertTrue(run("machinectl", "list", "--no-legend").contains(machine));

            SystemdScope.terminate(l, me);
            assertTrue(leader.waitFor(SLOW.toMillis(), TimeUnit.MILLISECONDS), "machined stopped the scope's leader");
            awaitGone(machine);
            SystemdScope.terminate(l, me); // NoSuchMachine: not an error
        } finally {
            leader.destroyForcibly();
            leader.waitFor(SLOW.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void withoutMachinedTheScopeComesFromSystemdAndSaysSoOnce() throws Exception {
        assumeTrue(systemd(), "needs systemd as init");
        CgroupHost host = CgroupHost.detect(Path.of("/"));
        String was = SystemdScope.machinedName;
        SystemdScope.machinedName = "org.freedesktop.machine1.absent"; // not on the bus: machined is absent
        List<Process> leaders = new ArrayList<>();
        try {
            for (String name : List.of("sdplain1", "sdplain2")) {
                CgroupLayout l = layout(host, name);
                String unit = l.scopePath().substring(l.scopePath().lastIndexOf('/') + 1);
                Process leader = new ProcessBuilder("sleep", "100000").start();
                leaders.add(leader);
                SystemdScope.create(l, (int) leader.pid(), systemdMount(host));
                List<String> p = lines(run("systemctl", "show", unit, "-p", "Delegate", "-p", "Slice", "-p",
                        "Description", "-p", "Before"));
                assertTrue(p.contains("Delegate=yes"), p.toString());
                assertTrue(p.contains("Slice=machine.slice"), p.toString());
                assertTrue(p.contains("Description=qtune VM " + l.machine().value()), p.toString());
                assertFalse(run("machinectl", "list", "--no-legend").contains(l.machine().value()));
                assertTrue(SystemdScope.saidNoMachined(), "the fallback is logged (once: a flag, not per VM)");
                SystemdScope.terminate(l, new io.qtune.host.proc.ProcFs(Path.of("/")).identity((int) leader.pid())
                        .orElseThrow()); // no machined: nothing to terminate
                assertTrue(leader.isAlive());
                leader.destroyForcibly().waitFor(SLOW.toMillis(), TimeUnit.MILLISECONDS);
                Path dir = systemdMount(host).resolve(l.scopePath().substring(1));
                long deadline = System.nanoTime() + SLOW.toNanos();
                while (Files.exists(dir) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertFalse(Files.exists(dir), "systemd removes the emptied scope");
            }
        } finally {
            SystemdScope.machinedName = was;
            for (Process p : leaders) {
                p.destroyForcibly();
            }
        }
    }

    private static void awaitGone(String machine) throws Exception {
        long deadline = System.nanoTime() + SLOW.toNanos();
        while (run("machinectl", "list", "--no-legend").contains(machine)) {
            assertTrue(System.nanoTime() < deadline, machine + " still listed");
            Thread.sleep(20);
        }
        assertNotEquals("", machine);
    }

    private static List<String> lines(String s) {
        return List.of(s.strip().split("\n"));
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(SLOW.toMillis(), TimeUnit.MILLISECONDS);
        return out;
    }
}
