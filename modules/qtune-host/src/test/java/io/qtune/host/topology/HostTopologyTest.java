package io.qtune.host.topology;

import static io.qtune.host.Trees.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.host.HostReadException;
import io.qtune.host.cpu.CpuSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostTopologyTest {

    @Test
    void twoSocketSmtHostWithTwoNodesAndIsolatedCpus() {
        HostTopology t = HostTopology.read(tree("topo-2s-smt-numa"));
        assertEquals(CpuSet.range(0, 15), t.present());
        assertEquals(CpuSet.range(0, 15), t.online());
        assertEquals(CpuSet.empty(), t.offline());
        assertEquals(16, t.maxCpus());
        assertEquals(16, t.logicalCpus());
        assertEquals(2, t.packages());
        assertEquals(List.of(0, 1), t.packageIds());
        assertEquals(4, t.coresPerPackage());
        assertEquals(8, t.siblingsPerPackage());
        assertEquals(2, t.threadsPerCore());
        assertTrue(t.smt());
        assertEquals(CpuSet.of(3, 7, 11, 15), t.isolated());
        assertEquals(CpuSet.of(3, 7, 11, 15), t.nohzFull());
        assertEquals(CpuSet.parse("0-2,4-6,8-10,12-14"), t.housekeeping());
        assertEquals(new CpuTopology(9, true, 0, 0, 1, CpuSet.of(1, 9)), t.cpu(9).orElseThrow());
        assertEquals(CpuSet.parseList("4-7,12-15"), t.packageCpus(1));
        assertEquals(2, t.nodes().size());
        assertEquals(new NumaNode(0, CpuSet.parseList("0-3,8-11"), 65842404L), t.nodes().get(0));
        assertEquals(new NumaNode(1, CpuSet.parseList("4-7,12-15"), 66060288L), t.nodes().get(1));
        assertEquals(1, t.nodeOf(13).orElseThrow().id());
        assertEquals(CpuSet.of(0, 1), t.nodeIds());
        assertEquals("""
                logical CPU number in total: 16
                physical CPU number in total: 2
                core number in a physical CPU: 4
                logical CPU number in a physical CPU: 8
                Hyper threading is enabled. Each core has 2 threads.
                """, t.smpReport());
    }

    @Test
    void offlineCpuHasNoTopologyAndIsReported() {
        HostTopology t = HostTopology.read(tree("topo-offline-cpu"));
        assertEquals(CpuSet.range(0, 7), t.possible());
        assertEquals(CpuSet.range(0, 3), t.present());
        assertEquals(CpuSet.range(0, 2), t.online());
        assertEquals(CpuSet.range(3, 7), t.offline());
        assertEquals(4, t.maxCpus());
        assertEquals(3, t.logicalCpus());
        CpuTopology c3 = t.cpu(3).orElseThrow();
        assertFalse(c3.online());
        assertEquals(-1, c3.packageId());
        assertEquals(1, t.packages());
        assertEquals(3, t.coresPerPackage());
        assertFalse(t.smt());
        // no sysfs 'isolated' file: taken from the command line
        assertEquals(CpuSet.of(2), t.isolated());
        assertEquals(CpuSet.empty(), t.nohzFull());
        // no NUMA directory: one node with every online CPU and /proc/meminfo's total
        assertEquals(List.of(new NumaNode(0, CpuSet.range(0, 2), 8048576L)), t.nodes());
        assertTrue(t.smpReport().contains("Hyper threading is NOT enabled."));
    }

    @Test
    void cpuinfoFallbackLikeTheSeedScript() {
        HostTopology t = HostTopology.read(tree("topo-cpuinfo-only"));
        assertEquals(4, t.logicalCpus());
        assertEquals(1, t.packages());
        assertEquals(2, t.coresPerPackage());
        assertEquals(4, t.siblingsPerPackage());
        assertEquals(2, t.threadsPerCore());
        assertEquals(CpuSet.of(0, 2), t.cpu(2).orElseThrow().threadSiblings());
        assertTrue(t.smpReport().endsWith("Hyper threading is enabled. Each core has 2 threads.\n"));
    }

    @Test
    void cmdlineFlagsAndInitArgumentsAreSkipped() {
        assertEquals(CpuSet.parse("2-3,6"), HostTopology.cmdlineCpus("ro isolcpus=nohz,domain,managed_irq,2-3,6 q", "isolcpus"));
        assertEquals(CpuSet.empty(), HostTopology.cmdlineCpus("ro -- isolcpus=1", "isolcpus"));
        assertEquals(CpuSet.empty(), HostTopology.cmdlineCpus("nohz_full=garbage", "nohz_full"));
    }

    @Test
    void liveHostMatchesSysfs() throws Exception {
        HostTopology t = HostTopology.read(Path.of("/"));
        CpuSet online = CpuSet.parseList(Files.readString(Path.of("/sys/devices/system/cpu/online")));
        assertEquals(online, t.online());
        assertEquals(Runtime.getRuntime().availableProcessors() <= online.size(), true);
        assertEquals(t.present().last() + 1, t.maxCpus());
        assertFalse(t.nodes().isEmpty());
        assertTrue(t.nodes().get(0).memTotalKb() > 0);
        assertTrue(t.packages() >= 1);
        long cpuinfoProcessors = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("processor")).count();
        assertEquals(cpuinfoProcessors, t.logicalCpus());
    }

    @Test
    void malformedFileIsATypedError(@TempDir Path root) throws Exception {
        Path cpu = root.resolve("sys/devices/system/cpu");
        Files.createDirectories(cpu);
        Files.writeString(cpu.resolve("present"), "0-x\n");
        Files.writeString(cpu.resolve("online"), "0\n");
        HostReadException e = assertThrows(HostReadException.class, () -> HostTopology.read(root));
        assertTrue(e.getMessage().contains("present"), e.getMessage());
    }
}
