package io.qtune.host.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A transient systemd scope for one VM, the unit libvirt gets from machined: created through
 * systemd's {@code StartTransientUnit} over D-Bus (with {@code busctl}, so no D-Bus library),
 * holding the QEMU process, in the layout's slice, with {@code Delegate=yes} so the thread groups
 * below it are ours and systemd leaves them alone. systemd removes the scope by itself once it is
 * empty, i.e. after qtune removed its groups inside and QEMU exited.
 */
public final class SystemdScope {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private SystemdScope() {
    }

    /**
     * Creates the scope {@code layout.scopePath()} holding {@code pid} and waits until its cgroup
     * directory exists under {@code mount} (the hierarchy systemd manages: the unified tree on v2,
     * {@code name=systemd} on v1).
     */
    public static void create(CgroupLayout layout, int pid, Path mount) {
        String scopePath = layout.scopePath();
        String unit = scopePath.substring(scopePath.lastIndexOf('/') + 1);
        String parent = scopePath.substring(0, scopePath.lastIndexOf('/'));
        String slice = parent.isEmpty() ? "-.slice" : parent.substring(parent.lastIndexOf('/') + 1);
        List<String> cmd = List.of("busctl", "call", "--quiet", "org.freedesktop.systemd1",
                "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "StartTransientUnit",
                "ssa(sv)a(sa(sv))", unit, "fail", "4",
                "PIDs", "au", "1", Integer.toString(pid),
                "Slice", "s", slice,
                "Delegate", "b", "true",
                "Description", "s", "qtune VM " + layout.machine().value(),
                "0");
        io.qtune.host.Errno injected = io.qtune.host.KernelFaults.check("systemd_scope", unit, Integer.toString(pid));
        if (injected != null) {
            throw new CgroupException("systemd refused to create scope " + unit + ": " + injected.name()
                    + " (injected by a test)", injected, null);
        }
        String out;
        int rc;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CgroupException("systemd did not answer StartTransientUnit for " + unit
                        + " within " + WAIT.toSeconds() + " s");
            }
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            rc = p.exitValue();
        } catch (IOException e) {
            throw new CgroupException("cannot run busctl to create systemd scope " + unit + ": " + e.getMessage()
                    + " (install systemd's busctl, or use CgroupLayout.withSystemd(false))");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CgroupException("interrupted while creating systemd scope " + unit);
        }
        if (rc != 0) {
            throw new CgroupException("systemd refused to create scope " + unit + " in " + slice + " for pid "
                    + pid + ": " + out);
        }
        Path dir = mount.resolve(scopePath.substring(1));
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
