package io.qtune.host.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.host.Errno;
import io.qtune.host.TestThread;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.proc.ProcFs;
import io.qtune.host.topology.HostTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real cgroup v2 (run in the v2 guest lane: cgroup2 at /sys/fs/cgroup with cpu and cpuset).
 * The test JVM itself plays the QEMU process: it is moved into the domain group and back.
 */
@Tag("v2")
class CgroupV2RealTest {
    private static final Path CG = Path.of("/sys/fs/cgroup");
    private static final int PID = (int) ProcessHandle.current().pid();

    private CgroupBackend backend;
    private CgroupLayout layout;
    private String originalGroup;
    private final List<TestThread> threads = new ArrayList<>();

    static boolean realV2() {
        try {
            if (!Files.getFileStore(CG).type().equals("cgroup2")) {
                return false;
            }
            List<String> c = List.of(Files.readString(CG.resolve("cgroup.controllers")).trim().split("\\s+"));
            return c.contains("cpu") && c.contains("cpuset");
        } catch (IOException e) {
            return false;
        }
    }

    @BeforeEach
    void setUp() {
        assumeTrue(realV2(), "needs cgroup2 at /sys/fs/cgroup with cpu and cpuset");
        CgroupHost host = CgroupHost.detect(Path.of("/"));
        backend = host.backend();
        assertTrue(backend instanceof CgroupV2Backend);
        originalGroup = new ProcFs(Path.of("/")).cgroups(PID).get("");
        layout = CgroupLayout.of(MachineName.of(1, "hosttest")).withPartition(CgroupTestSupport.uniquePartition());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (layout == null || originalGroup == null) {
            return;
        }
        for (TestThread t : threads) {
            t.close();
        }
        CgroupFile.write(CG.resolve(originalGroup.substring(1)).resolve("cgroup.procs"), String.valueOf(PID));
        Path part = CG.resolve(layout.partitionPath().substring(1));
        if (Files.isDirectory(part)) {
            try (Stream<Path> s = Files.walk(part)) {
                for (Path d : s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                    Files.delete(d);
                }
            }
        }
        assertFalse(Files.exists(part));
    }

    private static String file(Path p) throws IOException {
        return Files.readString(p).trim();
    }

    @Test
    void domainThreadedChildrenCpuMaxAndMembership() throws Exception {
        CpuSet online = HostTopology.read(Path.of("/")).online();
        DomainCgroup d = backend.createDomain(layout, PID);
        Path dom = CG.resolve(layout.domainPath().substring(1));
        assertTrue(file(dom.resolve("cgroup.procs")).contains(String.valueOf(PID)));
        Path part = CG.resolve(layout.partitionPath().substring(1));
        assertTrue(file(part.resolve("cgroup.subtree_control")).contains("cpu"));
        assertTrue(file(part.resolve("cgroup.subtree_control")).contains("cpuset"));
        assertEquals(List.of(PID), d.processes());

        ThreadCgroup vcpu0 = d.thread(ThreadGroupName.vcpu(0), true);
        ThreadCgroup emu = d.thread(ThreadGroupName.emulator(), true);
        assertEquals("threaded", file(dom.resolve("vcpu0/cgroup.type")));
        assertEquals("domain threaded", file(dom.resolve("cgroup.type")));
        assertTrue(file(dom.resolve("cgroup.subtree_control")).contains("cpuset"));

        vcpu0.setCfsQuota(50000);
        assertEquals("50000 100000", file(dom.resolve("vcpu0/cpu.max")));
        vcpu0.setCfsPeriod(200000);
        assertEquals("50000 200000", file(dom.resolve("vcpu0/cpu.max")));
        vcpu0.setCfsQuota(-1);
        assertEquals("max 200000", file(dom.resolve("vcpu0/cpu.max")));
        assertEquals(-1, vcpu0.cfsQuota());
        d.setWeight(200);
        assertEquals("200", file(dom.resolve("cpu.weight")));
        d.setShares(1024);
        assertEquals(100, d.weight());
        vcpu0.setCpus(CpuSet.of(online.first()));
        assertEquals(String.valueOf(online.first()), file(dom.resolve("vcpu0/cpuset.cpus")));

        TestThread t = new TestThread("qtune-v2-vcpu0");
        threads.add(t);
        backend.attachThreads(Map.of(vcpu0, List.of(t.tid())));
        assertEquals(List.of(t.tid()), vcpu0.threads());
        assertEquals(layout.threadPath(ThreadGroupName.vcpu(0)), new ProcFs(Path.of("/")).threadCgroups(PID, t.tid()).get(""));
        String status = Files.readString(Path.of("/proc/" + PID + "/task/" + t.tid() + "/status"));
        assertTrue(status.contains("Cpus_allowed_list:\t" + online.first() + "\n"), status);
        assertTrue(vcpu0.usageNs() >= 0);
        assertTrue(emu.cpuStat().nrPeriods() >= 0);
        assertEquals(2, d.threadGroups().size());

        // a process cannot join a threaded group
        CgroupWriteException e = assertThrows(CgroupWriteException.class, () -> vcpu0.node.attachProcess(PID));
        assertTrue(e.errno().orElseThrow() == Errno.EOPNOTSUPP || e.errno().orElseThrow() == Errno.EINVAL, e.getMessage());

        // empty v2 cpuset means "the parent's": no ENOSPC on attach
        vcpu0.setCpus(CpuSet.empty());
        assertEquals(CpuSet.empty(), vcpu0.cpus());
        assertEquals(d.effectiveCpus(), vcpu0.effectiveCpus());

        // rollback on v2
        try (CgroupTransaction tx = new CgroupTransaction()) {
            tx.setCfsQuota(emu, 30000);
            tx.setShares(d, 4096);
            assertThrows(CgroupWriteException.class, () -> tx.setCpus(emu, CpuSet.of(7000)));
        }
        assertEquals(-1, emu.cfsQuota());
        assertEquals(100, d.weight());
    }

    @Test
    void busyThreadGroupRemovalRetriesThenSucceeds() throws Exception {
        DomainCgroup d = backend.createDomain(layout, PID);
        ThreadCgroup io1 = d.thread(ThreadGroupName.iothread(1), true);
        TestThread t = new TestThread("qtune-v2-busy");
        threads.add(t);
        backend.attachThreads(Map.of(io1, List.of(t.tid())));
        CgroupWriteException e = assertThrows(CgroupWriteException.class, io1::remove);
        assertEquals(Errno.EBUSY, e.errno().orElseThrow());
        CgroupFile.write(d.path("cpu").resolve("cgroup.threads"), String.valueOf(t.tid()));
        io1.remove();
        assertFalse(io1.exists());
    }
}
