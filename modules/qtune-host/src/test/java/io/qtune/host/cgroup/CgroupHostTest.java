package io.qtune.host.cgroup;

import static io.qtune.host.Trees.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CgroupHostTest {

    @Test
    void systemdV2Host() {
        Path root = tree("systemd-v2");
        CgroupHost h = CgroupHost.detect(root);
        assertEquals(CgroupMode.V2, h.mode());
        assertTrue(h.systemd());
        assertFalse(h.live());
        assertEquals(Optional.of(CgroupVersion.V2), h.versionOf("cpu"));
        assertEquals(Optional.of(CgroupVersion.V2), h.versionOf("cpuset"));
        assertEquals(Optional.of(CgroupVersion.V2), h.versionOf("cpuacct"));
        assertEquals(root.resolve("sys/fs/cgroup"), h.mountPoint("cpu"));
        assertEquals(Optional.of(CgroupVersion.V2), h.backendVersion());
        assertTrue(h.backend() instanceof CgroupV2Backend);
        assertEquals("/user.slice/user-0.slice/session-1.scope", h.placement().get(""));
        CgroupLayout l = CgroupLayout.forHost(MachineName.of(1, "vm1"), h);
        assertEquals("/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt", l.domainPath());
    }

    @Test
    void hybridHostUsesV1ForCpuAndTheEmptyUnifiedMountCountsForNothing() {
        Path root = tree("hybrid");
        CgroupHost h = CgroupHost.detect(root);
        assertEquals(CgroupMode.HYBRID, h.mode());
        assertTrue(h.systemd());
        assertEquals(Set.of(), h.unified().orElseThrow().controllers());
        assertEquals(Optional.of(CgroupVersion.V1), h.versionOf("cpu"));
        assertEquals(root.resolve("sys/fs/cgroup/cpu,cpuacct"), h.mountPoint("cpu"));
        assertEquals(root.resolve("sys/fs/cgroup/cpu,cpuacct"), h.mountPoint("cpuacct"));
        assertEquals(root.resolve("sys/fs/cgroup/cpuset"), h.mountPoint("cpuset"));
        assertTrue(h.v1Mount("name=systemd").isPresent());
        assertEquals(Optional.of(CgroupVersion.V1), h.backendVersion());
        assertFalse(h.usable("io"));
        assertTrue(h.usable("net_prio"));
        assertEquals("/user.slice", h.placement().get("cpu,cpuacct"));
        // v1 on systemd: scope naming, no nested group
        CgroupLayout l = CgroupLayout.forHost(MachineName.of(3, "web"), h);
        assertEquals("/machine.slice/machine-qemu\\x2d3\\x2dweb.scope", l.domainPath());
    }

    @Test
    void v1HostWithJointCpuCpuacctAndNoSystemd() {
        Path root = tree("v1-joint");
        CgroupHost h = CgroupHost.detect(root);
        assertEquals(CgroupMode.V1, h.mode());
        assertFalse(h.systemd());
        assertTrue(h.unified().isEmpty());
        assertEquals(h.mountPoint("cpu"), h.mountPoint("cpuacct"));
        assertEquals(Path.of("/sys/fs/cgroup/my cgroups"), h.v1Mount("pids").orElseThrow().mountPoint());
        assertEquals(Map.of("cpu", CgroupVersion.V1, "cpuacct", CgroupVersion.V1, "cpuset", CgroupVersion.V1,
                "memory", CgroupVersion.V1, "pids", CgroupVersion.V1), h.controllers());
        CgroupLayout l = CgroupLayout.forHost(MachineName.of(1, "vm1"), h);
        assertEquals("/machine/qemu-1-vm1.libvirt-qemu", l.domainPath());
        assertTrue(h.backend() instanceof CgroupV1Backend);
    }

    @Test
    void hostWithoutCgroups() {
        CgroupHost h = CgroupHost.detect(tree("no-cgroups"));
        assertEquals(CgroupMode.NONE, h.mode());
        assertTrue(h.mounts().isEmpty());
        assertTrue(h.placement().isEmpty());
        assertTrue(h.backendVersion().isEmpty());
        CgroupException e = assertThrows(CgroupException.class, h::backend);
        assertTrue(e.getMessage().contains("no usable cpu and cpuset"), e.getMessage());
        e = assertThrows(CgroupException.class, () -> h.mountPoint("cpu"));
        assertTrue(e.getMessage().contains("'cpu' is not mounted"), e.getMessage());
    }

    @Test
    void containerWithCgroupNamespace() {
        CgroupHost h = CgroupHost.detect(tree("container-cgroupns"));
        assertEquals(CgroupMode.V2, h.mode());
        assertFalse(h.systemd());
        CgroupMount m = h.unified().orElseThrow();
        assertTrue(m.readOnly());
        assertEquals("/", m.root());
        assertEquals("/", h.placement().get(""));
        assertEquals(Optional.of(CgroupVersion.V2), h.backendVersion());
    }

    @Test
    void containerWithoutCgroupNamespaceSeesItsGroupAsMountRoot() {
        CgroupHost h = CgroupHost.detect(tree("container-nocgroupns"));
        CgroupMount m = h.unified().orElseThrow();
        assertEquals("/docker/4f1c0ffee", m.root());
        assertFalse(m.readOnly());
        assertEquals("/docker/4f1c0ffee", h.placement().get(""));
        assertEquals(Optional.of(CgroupVersion.V2), h.versionOf("cpuset"));
    }

    @Test
    void detectionForAnotherPid(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        Path p = root.resolve("proc/4242");
        Files.createDirectories(p);
        Files.copy(tree("v1-joint").resolve("proc/self/mountinfo"), p.resolve("mountinfo"));
        Files.writeString(p.resolve("cgroup"), "2:cpuset:/machine/qemu-1-a.libvirt-qemu/emulator\n1:cpu,cpuacct:/machine/qemu-1-a.libvirt-qemu/emulator\n");
        CgroupHost h = CgroupHost.detect(root, 4242);
        assertEquals("/machine/qemu-1-a.libvirt-qemu/emulator", h.placement().get("cpuset"));
    }

    /** This machine: v1 controllers on separate mounts under a tmpfs, a hugetlb-only cgroup2. */
    @Test
    void liveHostMountsAreRealCgroupFilesystems() throws Exception {
        CgroupHost h = CgroupHost.detect(Path.of("/"));
        assertTrue(h.live());
        for (CgroupMount m : h.mounts()) {
            assertEquals(m.fsType(), Files.getFileStore(m.dir()).type(), m.toString());
        }
        if (Files.isDirectory(Path.of("/sys/fs/cgroup/cpu")) && h.v1Mount("cpu").isPresent()) {
            assertEquals(Path.of("/sys/fs/cgroup/cpu"), h.mountPoint("cpu"));
            assertEquals(Optional.of(CgroupVersion.V1), h.backendVersion());
        }
    }
}
