package io.qtune.host.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CgroupLayoutTest {

    @Test
    void machineNameFilteredLikeLibvirt() {
        assertEquals("qemu-1-vm1", MachineName.of(1, "vm1").value());
        assertEquals("qemu-7-my.vm-name", MachineName.of(7, "my..vm--name").value());
        assertEquals("qemu-1-x", MachineName.of(1, "../x").value());
        assertEquals("qemu-1-ab", MachineName.of(1, "a/b").value());
        assertEquals("qemu-1", MachineName.of(1, ".").value());
        assertEquals("qemu-1", MachineName.of(1, "..").value());
        assertEquals("qemu-1-cgroup.procs", MachineName.of(1, "cgroup.procs").value());
        assertEquals("qemu-1-caf", MachineName.of(1, "café").value());
        assertEquals("qemu-1-", MachineName.of(1, "日本").value() + "-");
        assertEquals("qemu-2-a.b", MachineName.of(2, "a/.b").value());
        String longName = "x".repeat(300);
        MachineName m = MachineName.of(12, longName);
        assertEquals(64, m.value().length());
        assertEquals("qemu-12-" + "x".repeat(56), m.value());
        assertEquals("qemu-1-a", MachineName.of(1, "a-----").value());
        assertEquals("qemu-1-a", MachineName.of(1, "-.-a").value());
    }

    @Test
    void machineNameRefusesWhatCannotBeNamed() {
        assertThrows(CgroupNameException.class, () -> MachineName.of(1, ""));
        assertThrows(CgroupNameException.class, () -> MachineName.of(1, null));
        CgroupNameException e = assertThrows(CgroupNameException.class, () -> MachineName.of(-1, "vm"));
        assertEquals("domain id -1 must not be negative", e.getMessage());
        assertThrows(CgroupNameException.class, () -> new MachineName("../etc"));
        assertThrows(CgroupNameException.class, () -> new MachineName(".."));
    }

    /** Whatever the VM name, the domain group is one directory directly below the partition. */
    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/b", ".", "..", "cgroup.procs", "tasks", "cpu.shares", "日本語", "\u0000",
            "a\nb", "../../../../etc", "_x", "/", "\\x2d"})
    void noVmNameEscapesItsGroup(String vmName) {
        for (boolean systemd : new boolean[] {false, true}) {
            CgroupLayout l = CgroupLayout.of(MachineName.of(5, vmName)).withSystemd(systemd).withNested(systemd);
            String dir = l.domainDirName();
            assertFalse(dir.contains("/"), dir);
            assertFalse(dir.equals(".") || dir.equals(".."), dir);
            assertFalse(dir.startsWith("cgroup."), dir);
            assertTrue(l.domainPath().startsWith(l.partitionPath() + "/" + dir), l.domainPath());
            assertEquals(l.partitionPath().split("/").length + 1 + (systemd ? 1 : 0), l.domainPath().split("/").length);
        }
    }

    @Test
    void threeHundredCharacterAndNonAsciiNamesStayShort() {
        CgroupLayout l = CgroupLayout.of(MachineName.of(99, "ä".repeat(150) + "-".repeat(150) + "z".repeat(300)));
        assertTrue(l.domainDirName().length() <= 64 + ".libvirt-qemu".length());
        CgroupLayout s = l.withSystemd(true);
        assertTrue(s.domainDirName().length() < 255);
    }

    @Test
    void libvirtNonSystemdLayout() {
        CgroupLayout l = CgroupLayout.of(MachineName.of(1, "oracle1"));
        assertEquals("/machine", l.partitionPath());
        assertEquals("qemu-1-oracle1.libvirt-qemu", l.domainDirName());
        assertEquals("/machine/qemu-1-oracle1.libvirt-qemu", l.domainPath());
        assertEquals("/machine/qemu-1-oracle1.libvirt-qemu/vcpu0", l.threadPath(ThreadGroupName.vcpu(0)));
        assertEquals("/machine/qemu-1-oracle1.libvirt-qemu/emulator", l.threadPath(ThreadGroupName.emulator()));
        assertEquals("/machine/qemu-1-oracle1.libvirt-qemu/iothread2", l.threadPath(ThreadGroupName.iothread(2)));
    }

    @Test
    void partitionsGetSuffixAndEscaping() {
        MachineName m = MachineName.of(1, "vm");
        assertEquals(List.of("machine", "prod.partition"), CgroupLayout.of(m).withPartition("/machine/prod").partitionDirs());
        assertEquals("/qtune-hosttest-ab12.partition", CgroupLayout.of(m).withPartition("/qtune-hosttest-ab12").partitionPath());
        assertEquals("/system/user", CgroupLayout.of(m).withPartition("/system/user").partitionPath());
        assertEquals("/_cpu.x", CgroupLayout.of(m).withPartition("/cpu.x").partitionPath());
        assertEquals("/_cgroup.procs", CgroupLayout.of(m).withPartition("/cgroup.procs").partitionPath());
        assertEquals("/__x.partition", CgroupLayout.of(m).withPartition("/_x").partitionPath());
        assertEquals("/machine/qemu-1-vm.qtune", CgroupLayout.of(m).withSuffix("qtune").domainPath());
        for (String bad : new String[] {"machine", "/", "/a//b", "/..", "/a/../b", "/.", "/a b", "/é", ""}) {
            assertThrows(CgroupNameException.class, () -> CgroupLayout.of(m).withPartition(bad), bad);
        }
        for (String bad : new String[] {"", "a/b", ".x", "..", "x".repeat(65), "a b"}) {
            assertThrows(CgroupNameException.class, () -> CgroupLayout.of(m).withSuffix(bad), bad);
        }
    }

    @Test
    void systemdNamesEscapedLikeVirSystemdEscapeName() {
        assertEquals("qemu\\x2d1\\x2dvm1", CgroupLayout.systemdEscape("qemu-1-vm1"));
        assertEquals("\\x2efoo", CgroupLayout.systemdEscape(".foo"));
        assertEquals("a-b", CgroupLayout.systemdEscape("a/b"));
        assertEquals("a\\x5cb\\x20c:d_e.f", CgroupLayout.systemdEscape("a\\b c:d_e.f"));
        CgroupLayout l = CgroupLayout.of(MachineName.of(1, "vm1")).withSystemd(true).withNested(true);
        assertEquals("/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope", l.scopePath());
        assertEquals("/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/vcpu1", l.threadPath(ThreadGroupName.vcpu(1)));
        assertEquals("/machine.slice/machine-prod.slice", l.withPartition("/machine/prod").partitionPath());
    }

    @Test
    void threadGroupNames() {
        assertEquals(ThreadGroupName.vcpu(12), ThreadGroupName.parse("vcpu12").orElseThrow());
        assertEquals(ThreadGroupName.iothread(3), ThreadGroupName.parse("iothread3").orElseThrow());
        assertEquals(ThreadGroupName.emulator(), ThreadGroupName.parse("emulator").orElseThrow());
        assertTrue(ThreadGroupName.parse("vcpu").isEmpty());
        assertTrue(ThreadGroupName.parse("vcpu01").isEmpty());
        assertTrue(ThreadGroupName.parse("iothread0").isEmpty());
        assertTrue(ThreadGroupName.parse("libvirt").isEmpty());
        assertTrue(ThreadGroupName.parse("vcpu99999999999").isEmpty());
        CgroupNameException e = assertThrows(CgroupNameException.class, () -> ThreadGroupName.iothread(0));
        assertTrue(e.getMessage().contains("invalid value of 0 for iothread_id"));
        assertThrows(CgroupNameException.class, () -> ThreadGroupName.vcpu(-1));
    }

    @Test
    void tunableRangesAndSharesToWeight() {
        assertEquals(1, CpuTunables.sharesToWeight(2));
        assertEquals(100, CpuTunables.sharesToWeight(1024));
        assertEquals(10000, CpuTunables.sharesToWeight(262144));
        long prev = 0;
        for (long s = 2; s <= 262144; s += 97) {
            long w = CpuTunables.sharesToWeight(s);
            assertTrue(w >= prev && w >= 1 && w <= 10000, s + " -> " + w);
            prev = w;
        }
        CgroupValueException e = assertThrows(CgroupValueException.class, () -> CpuTunables.checkShares(1));
        assertEquals("shares '1' must be in range [2, 262144]", e.getMessage());
        assertEquals("shares", e.field());
        assertThrows(CgroupValueException.class, () -> CpuTunables.checkShares(300000));
        assertThrows(CgroupValueException.class, () -> CpuTunables.sharesToWeight(0));
        assertEquals("weight '0' must be in range [1, 10000]",
                assertThrows(CgroupValueException.class, () -> CpuTunables.checkWeight(0)).getMessage());
        assertEquals("cfs_period '999' must be in range [1000, 1000000]",
                assertThrows(CgroupValueException.class, () -> CpuTunables.checkPeriod(999)).getMessage());
        assertThrows(CgroupValueException.class, () -> CpuTunables.checkPeriod(5000000));
        assertEquals("cfs_quota '999' must be in range [1000, 17592186044415] or negative for unlimited",
                assertThrows(CgroupValueException.class, () -> CpuTunables.checkQuota(999)).getMessage());
        assertThrows(CgroupValueException.class, () -> CpuTunables.checkQuota(0));
        assertThrows(CgroupValueException.class, () -> CpuTunables.checkQuota(CpuTunables.QUOTA_MAX + 1));
        CpuTunables.checkQuota(-1);
        CpuTunables.checkQuota(CpuTunables.QUOTA_MAX);
    }
}
