package io.qtune.host.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qtune.host.cpu.CpuSet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v2 value formats against plain files (this machine has no cgroup v2 cpu controller; the
 * real v2 behaviour is covered by {@link CgroupV2RealTest} in the v2 guest lane).
 */
class V2FormattingTest {
    @TempDir
    Path dir;
    private V2Node node;

    @BeforeEach
    void files() throws Exception {
        Files.writeString(dir.resolve("cpu.max"), "max 100000\n");
        Files.writeString(dir.resolve("cpu.weight"), "100\n");
        Files.writeString(dir.resolve("cpuset.cpus"), "\n");
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"
                + "nr_periods 12\nnr_throttled 3\nthrottled_usec 4567\nnr_bursts 0\nburst_usec 0\n");
        node = new V2Node(dir);
    }

    private String cpuMax() throws Exception {
        return Files.readString(dir.resolve("cpu.max"));
    }

    @Test
    void quotaAloneAndMaxForUnlimited() throws Exception {
        assertEquals(-1, node.cfsQuota());
        assertEquals(100000, node.cfsPeriod());
        node.setCfsQuota(50000);
        assertEquals("50000", cpuMax()); // the kernel keeps the period
        node.setCfsQuota(-1);
        assertEquals("max", cpuMax());
        node.setCfsQuota(CpuTunables.QUOTA_MAX);
        assertEquals("max", cpuMax());
        node.setCfsQuota(CpuTunables.QUOTA_MAX - 1);
        assertEquals("17592186044414", cpuMax());
    }

    @Test
    void periodKeepsTheCurrentQuotaToken() throws Exception {
        Files.writeString(dir.resolve("cpu.max"), "60000 100000\n");
        node.setCfsPeriod(200000);
        assertEquals("60000 200000", cpuMax());
        Files.writeString(dir.resolve("cpu.max"), "max 100000\n");
        node.setCfsPeriod(250000);
        assertEquals("max 250000", cpuMax());
        Files.writeString(dir.resolve("cpu.max"), "70000 250000\n");
        assertEquals(70000, node.cfsQuota());
        assertEquals(250000, node.cfsPeriod());
        assertThrows(CgroupValueException.class, () -> node.setCfsPeriod(999));
    }

    @Test
    void weightNativeAndSharesConverted() throws Exception {
        node.setWeight(10000);
        assertEquals("10000", Files.readString(dir.resolve("cpu.weight")));
        node.setShares(1024);
        assertEquals("100", Files.readString(dir.resolve("cpu.weight")));
        node.setShares(2);
        assertEquals("1", Files.readString(dir.resolve("cpu.weight")));
        node.setShares(262144);
        assertEquals(10000, node.weight());
        assertThrows(CgroupValueException.class, () -> node.setWeight(0));
        assertThrows(CgroupException.class, node::shares);
    }

    @Test
    void cpusetAndStats() throws Exception {
        assertEquals(CpuSet.empty(), node.cpus());
        node.setCpus(CpuSet.of(0, 2, 3));
        assertEquals("0,2-3", Files.readString(dir.resolve("cpuset.cpus")));
        assertEquals(new CpuStat(12, 3, 4_567_000), node.cpuStat());
        assertEquals(1_500_000, node.usageNs());
    }

    @Test
    void missingFileNamesTheControllerProblem() {
        CgroupWriteException e = assertThrows(CgroupWriteException.class, () -> node.setMems(CpuSet.of(0)));
        assertEquals(io.qtune.host.Errno.ENOENT, e.errno().orElseThrow());
        assertEquals(dir.resolve("cpuset.mems"), e.file());
    }
}
