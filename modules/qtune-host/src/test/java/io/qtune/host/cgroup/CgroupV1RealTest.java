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
import io.qtune.host.sched.SchedPolicy;
import io.qtune.host.sched.SchedulerException;
import io.qtune.host.sched.ThreadAffinity;
import io.qtune.host.sched.ThreadScheduler;
import io.qtune.host.topology.HostTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against this machine's real cgroup v1 hierarchies, in a unique partition removed after each test. */
class CgroupV1RealTest {
    private static final int PID = (int) ProcessHandle.current().pid();

    private CgroupHost host;
    private CgroupBackend backend;
    private CgroupLayout layout;
    private Process vm;
    private final List<TestThread> threads = new ArrayList<>();
    private CpuSet online;

    @BeforeEach
    void setUp() throws Exception {
        host = CgroupHost.detect(Path.of("/"));
        assumeTrue(host.backendVersion().map(v -> v == CgroupVersion.V1).orElse(false),
                "needs cgroup v1 cpu and cpuset hierarchies");
        backend = host.backend();
        layout = CgroupLayout.of(MachineName.of(1, "hosttest")).withPartition(CgroupTestSupport.uniquePartition());
        vm = new ProcessBuilder("sleep", "600").start();
        online = HostTopology.read(Path.of("/")).online();
    }

    @AfterEach
    void tearDown() throws Exception {
        List<String> problems = new ArrayList<>();
        if (vm != null) {
            vm.destroyForcibly().waitFor();
        }
        for (TestThread t : threads) {
            t.close();
        }
        if (layout != null && host != null) {
            for (String c : List.of("cpu", "cpuacct", "cpuset")) {
                host.v1Mount(c).ifPresent(m -> problems.addAll(CgroupTestSupport.evacuateAndRemove(m.dir(),
                        m.dir().resolve(layout.partitionPath().substring(1)), "tasks")));
                host.v1Mount(c).ifPresent(m -> assertFalse(Files.exists(m.dir().resolve(layout.partitionPath().substring(1))),
                        "left behind in " + c));
            }
        }
        assertTrue(problems.isEmpty(), problems.toString());
    }

    private TestThread thread(String name) {
        TestThread t = new TestThread(name);
        threads.add(t);
        return t;
    }

    private static String file(Path p) throws Exception {
        return Files.readString(p).trim();
    }

    /** The hierarchies qtune makes groups in: cpuacct only where libvirt does (CgroupV1Backend). */
    private List<String> controllers() {
        boolean cpuacct = host.v1Mount("cpuacct").isPresent() && (host.unified().isEmpty()
                || host.mountPoint("cpuacct").equals(host.mountPoint("cpu")));
        return cpuacct ? List.of("cpu", "cpuacct", "cpuset") : List.of("cpu", "cpuset");
    }

    private Path in(String controller, String path) {
        return host.v1Mount(controller).orElseThrow().dir().resolve(path.substring(1));
    }

    @Test
    void domainAndThreadGroupsWithLibvirtsFilesAndValues() throws Exception {
        DomainCgroup d = backend.createDomain(layout, (int) vm.pid());
        for (String c : controllers()) {
            assertTrue(Files.isDirectory(in(c, layout.domainPath())), c);
            assertTrue(file(in(c, layout.domainPath()).resolve("cgroup.procs")).contains(String.valueOf(vm.pid())), c);
        }
        assertEquals(List.of((int) vm.pid()), d.processes());
        assertEquals("1", file(in("cpuset", layout.domainPath()).resolve("cpuset.memory_migrate")));
        assertEquals(file(host.mountPoint("cpuset").resolve("cpuset.cpus")), d.cpus().toList());
        assertFalse(d.mems().isEmpty());

        ThreadCgroup emu = d.thread(ThreadGroupName.emulator(), true);
        ThreadCgroup vcpu0 = d.thread(ThreadGroupName.vcpu(0), true);
        ThreadCgroup io1 = d.thread(ThreadGroupName.iothread(1), true);
        for (String c : controllers()) {
            assertTrue(Files.isDirectory(in(c, layout.threadPath(ThreadGroupName.vcpu(0)))), c);
        }
        assertEquals(d.cpus(), vcpu0.cpus());
        assertEquals(d.mems(), vcpu0.mems());
        assertEquals("1", file(vcpu0.path("cpuset").resolve("cpuset.memory_migrate")));

        d.setShares(2048);
        d.setCfsPeriod(100000);
        d.setCfsQuota(180000);
        emu.setCfsPeriod(200000);
        emu.setCfsQuota(60000);
        vcpu0.setCfsQuota(50000);
        vcpu0.setCpus(CpuSet.of(online.first()));
        assertEquals("2048", file(d.path("cpu").resolve("cpu.shares")));
        assertEquals(2048, d.shares());
        assertEquals("180000", file(d.path("cpu").resolve("cpu.cfs_quota_us")));
        assertEquals(200000, emu.cfsPeriod());
        assertEquals(60000, emu.cfsQuota());
        assertEquals(String.valueOf(online.first()), file(vcpu0.path("cpuset").resolve("cpuset.cpus")));
        vcpu0.setCfsQuota(-5);
        assertEquals(-1, vcpu0.cfsQuota());

        assertEquals(List.of("emulator", "iothread1", "vcpu0"),
                d.threadGroups().stream().map(t -> t.name().dirName()).sorted().toList());
        DomainCgroup reopened = backend.open(layout).orElseThrow();
        assertEquals(d, reopened);
        assertEquals(vcpu0, reopened.thread(ThreadGroupName.vcpu(0), false));
        assertTrue(backend.open(layout.withSuffix("other")).isEmpty());
        assertThrows(CgroupException.class, () -> d.thread(ThreadGroupName.vcpu(9), false));
        // adopting an existing group keeps its values
        assertEquals(CpuSet.of(online.first()), d.thread(ThreadGroupName.vcpu(0), true).cpus());
        assertEquals(0, io1.threads().size());
        CpuStat stat = d.cpuStat();
        assertTrue(stat.nrPeriods() >= 0 && stat.throttledNs() >= 0);
        assertTrue(d.usageNs() >= 0);

        vm.destroyForcibly().waitFor();
        d.remove();
        for (String c : controllers()) {
            assertFalse(Files.exists(in(c, layout.domainPath())), c);
            assertTrue(Files.isDirectory(in(c, layout.partitionPath())), "partition stays, as libvirt's /machine");
        }
    }

    /**
     * libvirt's tree on a v1 host with cpu and cpuacct mounted apart and a cgroup2 mount beside them
     * (this machine; libvirt-oracle-observations.md "Layout"): no cpuacct group at all, not the
     * partition, the domain or a thread group; QEMU's threads stay in their cpuacct group. So no
     * mkdir, attach or rmdir there either.
     */
    @Test
    void besideACgroup2MountNoCpuacctGroupIsMadeAsInLibvirtsTree() throws Exception {
        assumeTrue(host.unified().isPresent() && host.v1Mount("cpuacct").isPresent()
                && !host.mountPoint("cpuacct").equals(host.mountPoint("cpu")),
                "needs cpuacct mounted apart from cpu and a cgroup2 mount beside");
        TestThread a = thread("qtune-vcpu0");
        String before = new ProcFs(Path.of("/")).threadCgroups(PID, a.tid()).get("cpuacct");
        DomainCgroup d = backend.createDomain(layout, (int) vm.pid());
        ThreadCgroup vcpu0 = d.thread(ThreadGroupName.vcpu(0), true);
        backend.attachThreads(Map.of(vcpu0, List.of(a.tid())));

        assertFalse(Files.exists(in("cpuacct", layout.partitionPath())), "no cpuacct partition");
        assertFalse(Files.exists(in("cpuacct", layout.domainPath())), "no cpuacct domain group");
        assertEquals(before, new ProcFs(Path.of("/")).threadCgroups(PID, a.tid()).get("cpuacct"));
        assertEquals(layout.threadPath(ThreadGroupName.vcpu(0)),
                new ProcFs(Path.of("/")).threadCgroups(PID, a.tid()).get("cpu"));
        assertTrue(vcpu0.usageNs() >= 0, "usage of the group's threads from /proc");
    }

    @Test
    void realThreadsJoinInOneBurstAndFollowTheCpuset() throws Exception {
        DomainCgroup d = backend.createDomain(layout, (int) vm.pid());
        ThreadCgroup vcpu0 = d.thread(ThreadGroupName.vcpu(0), true);
        ThreadCgroup vcpu1 = d.thread(ThreadGroupName.vcpu(1), true);
        int cpu = online.last();
        vcpu0.setCpus(CpuSet.of(cpu));
        TestThread a = thread("qtune-vcpu0");
        TestThread b = thread("qtune-vcpu1");
        Map<ThreadCgroup, List<Integer>> burst = new LinkedHashMap<>();
        burst.put(vcpu0, List.of(a.tid()));
        burst.put(vcpu1, List.of(b.tid()));
        backend.attachThreads(burst);

        assertEquals(List.of(a.tid()), vcpu0.threads());
        assertTrue(file(vcpu0.path("cpuset").resolve("tasks")).contains(String.valueOf(a.tid())));
        Map<String, String> cg = new ProcFs(Path.of("/")).threadCgroups(PID, a.tid());
        for (String c : controllers()) {
            assertTrue(file(vcpu0.path(c).resolve("tasks")).contains(String.valueOf(a.tid())), c);
            assertEquals(layout.threadPath(ThreadGroupName.vcpu(0)), cg.get(c), c);
        }
        String status = Files.readString(Path.of("/proc/" + PID + "/task/" + a.tid() + "/status"));
        assertTrue(status.contains("Cpus_allowed_list:\t" + cpu + "\n"), status);
        // affinity can only narrow inside the cpuset; the kernel refuses CPUs outside it
        ThreadAffinity.set(b.tid(), CpuSet.of(online.first()));
        assertEquals(CpuSet.of(online.first()), new ProcFs(Path.of("/")).thread(PID, b.tid()).orElseThrow().cpusAllowed());
        if (online.size() > 1) {
            assertEquals(Errno.EINVAL, assertThrows(io.qtune.host.sched.AffinityException.class,
                    () -> ThreadAffinity.set(a.tid(), CpuSet.of(online.first()))).errno().orElseThrow());
        }
        // a cpuset change moves the thread along (libvirt relies on it for kvm-nx-lpage-recovery)
        vcpu0.setCpus(online);
        vcpu0.setCpus(CpuSet.of(online.first()));
        assertEquals(CpuSet.of(online.first()), ThreadAffinity.get(a.tid()));
    }

    @Test
    void kernelRefusalsAreTypedWithFileValueAndErrno() throws Exception {
        DomainCgroup d = backend.createDomain(layout, (int) vm.pid());
        ThreadCgroup vcpu0 = d.thread(ThreadGroupName.vcpu(0), true);
        CpuSet before = vcpu0.cpus();

        CgroupWriteException e = assertThrows(CgroupWriteException.class, () -> vcpu0.setCpus(CpuSet.of(7000)));
        assertEquals(Errno.ERANGE, e.errno().orElseThrow());
        assertEquals(vcpu0.path("cpuset").resolve("cpuset.cpus"), e.file());
        assertEquals("7000", e.value());
        assertTrue(e.getMessage().contains("ERANGE (Numerical result out of range)"), e.getMessage());
        assertTrue(e.getMessage().contains("'7000'") && e.getMessage().contains("cpuset.cpus"), e.getMessage());
        assertEquals(before, vcpu0.cpus());

        if (online.last() < 7) {
            // cpus=7 on a host without CPU 7 (this machine: 0-1)
            Errno errno = assertThrows(CgroupWriteException.class, () -> vcpu0.setCpus(CpuSet.of(7))).errno().orElseThrow();
            assertTrue(errno == Errno.ERANGE || errno == Errno.EINVAL, errno.name());
        }
        e = assertThrows(CgroupWriteException.class, () -> vcpu0.setMems(CpuSet.of(63)));
        assertEquals(Errno.EINVAL, e.errno().orElseThrow());
        assertTrue(e.getMessage().contains("memory nodes"), e.getMessage());

        d.setCfsQuota(100000);
        e = assertThrows(CgroupWriteException.class, () -> vcpu0.setCfsQuota(500000));
        assertEquals(Errno.EINVAL, e.errno().orElseThrow());
        assertEquals(-1, vcpu0.cfsQuota());

        e = assertThrows(CgroupWriteException.class,
                () -> backend.attachThreads(Map.of(vcpu0, List.of(0x3ffffff0))));
        assertEquals(Errno.ESRCH, e.errno().orElseThrow());

        ThreadCgroup empty = d.thread(ThreadGroupName.iothread(1), true);
        empty.setCpus(CpuSet.empty());
        TestThread t = thread("qtune-enospc");
        e = assertThrows(CgroupWriteException.class, () -> backend.attachThreads(Map.of(empty, List.of(t.tid()))));
        assertEquals(Errno.ENOSPC, e.errno().orElseThrow());
        assertTrue(e.getMessage().contains("cpuset.cpus or cpuset.mems is empty"), e.getMessage());

        CgroupValueException v = assertThrows(CgroupValueException.class, () -> d.setShares(1));
        assertEquals("shares '1' must be in range [2, 262144]", v.getMessage());
        assertEquals(1024, d.shares());
        assertThrows(CgroupValueException.class, () -> d.setCfsPeriod(999));
        assertThrows(CgroupException.class, () -> d.setWeight(100));
    }

    @Test
    void transactionRollsBackAfterAnInjectedFailure() throws Exception {
        DomainCgroup d = backend.createDomain(layout, (int) vm.pid());
        ThreadCgroup vcpu0 = d.thread(ThreadGroupName.vcpu(0), true);
        CpuSet cpus = vcpu0.cpus();
        long period = vcpu0.cfsPeriod();
        long quota = vcpu0.cfsQuota();
        long shares = d.shares();
        CgroupWriteException e;
        try (CgroupTransaction tx = new CgroupTransaction()) {
            tx.setShares(d, 4096);
            tx.setCpus(vcpu0, CpuSet.of(online.first()));
            tx.setCfsPeriod(vcpu0, 250000);
            tx.setCfsQuota(vcpu0, 50000);
            ThreadCgroup io1 = tx.createThread(d, ThreadGroupName.iothread(1));
            assertTrue(io1.exists());
            assertEquals(5, tx.size());
            e = assertThrows(CgroupWriteException.class, () -> tx.setCpus(vcpu0, CpuSet.of(7000)));
        }
        assertEquals(Errno.ERANGE, e.errno().orElseThrow());
        assertEquals(cpus, vcpu0.cpus());
        assertEquals(period, vcpu0.cfsPeriod());
        assertEquals(quota, vcpu0.cfsQuota());
        assertEquals(shares, d.shares());
        assertFalse(Files.exists(in("cpu", layout.threadPath(ThreadGroupName.iothread(1)))));
        assertFalse(Files.exists(in("cpuset", layout.threadPath(ThreadGroupName.iothread(1)))));

        try (CgroupTransaction tx = new CgroupTransaction()) {
            tx.setCfsQuota(vcpu0, 70000);
            tx.commit();
        }
        assertEquals(70000, vcpu0.cfsQuota());
    }

    @Test
    void removalOfABusyGroupRetriesThenSucceedsOnceTheTaskLeft() throws Exception {
        DomainCgroup d = backend.createDomain(layout, (int) vm.pid());
        ThreadCgroup emu = d.thread(ThreadGroupName.emulator(), true);
        TestThread t = thread("qtune-busy");
        backend.attachThreads(Map.of(emu, List.of(t.tid())));
        CgroupWriteException e = assertThrows(CgroupWriteException.class, emu::remove);
        assertEquals(Errno.EBUSY, e.errno().orElseThrow());
        assertEquals("rmdir", e.value());
        assertTrue(emu.exists());
        for (String c : List.of("cpu", "cpuacct", "cpuset")) {
            CgroupFile.write(host.mountPoint(c).resolve("tasks"), String.valueOf(t.tid()));
        }
        emu.remove();
        assertFalse(emu.exists());
        assertFalse(Files.exists(in("cpuset", layout.threadPath(ThreadGroupName.emulator()))));
    }

    /** What systemd does to a v1 scope once QEMU is gone: it removes the cpu,cpuacct copy, not cpuset's. */
    @Test
    void aGroupLeftInCpusetOnlyIsStillFoundCountedAndRemoved() throws Exception {
        DomainCgroup d = backend.createDomain(layout, (int) vm.pid());
        d.thread(ThreadGroupName.vcpu(0), true);
        TestThread t = thread("qtune-left");
        CgroupFile.write(in("cpuset", layout.threadPath(ThreadGroupName.vcpu(0))).resolve("tasks"),
                String.valueOf(t.tid()));
        for (String c : List.of("cpu", "cpuacct")) {
            CgroupFile.write(host.mountPoint(c).resolve("cgroup.procs"), String.valueOf(vm.pid()));
            CgroupFile.write(host.mountPoint(c).resolve("tasks"), String.valueOf(t.tid()));
            host.v1Mount(c).ifPresent(m -> CgroupFile.removeTree(m.dir().resolve(layout.domainPath().substring(1))));
        }
        assertFalse(Files.exists(in("cpu", layout.domainPath())));

        DomainCgroup left = backend.open(layout).orElseThrow(() -> new AssertionError("cpuset-only group not found"));
        assertTrue(backend.partitionChildren(layout).contains(layout.domainDirName()));
        assertFalse(left.isEmpty(), "a thread is still in the cpuset copy");
        assertEquals(List.of(t.tid()), left.threadGroups().get(0).threads());

        CgroupFile.write(host.mountPoint("cpuset").resolve("tasks"), String.valueOf(t.tid()));
        CgroupFile.write(host.mountPoint("cpuset").resolve("cgroup.procs"), String.valueOf(vm.pid()));
        assertTrue(left.isEmpty());
        left.remove();
        assertFalse(Files.exists(in("cpuset", layout.domainPath())));
        assertTrue(backend.open(layout).isEmpty());
    }

    @Test
    void realtimeEpermInAGroupWithoutRtBudgetIsExplained() throws Exception {
        DomainCgroup d = backend.createDomain(layout, (int) vm.pid());
        ThreadCgroup vcpu0 = d.thread(ThreadGroupName.vcpu(0), true);
        Path rt = vcpu0.path("cpu").resolve("cpu.rt_runtime_us");
        assumeTrue(Files.exists(rt) && file(rt).equals("0"), "kernel without RT group scheduling");
        TestThread t = thread("qtune-rt");
        backend.attachThreads(Map.of(vcpu0, List.of(t.tid())));
        SchedulerException e = assertThrows(SchedulerException.class,
                () -> ThreadScheduler.set(t.tid(), SchedPolicy.FIFO, 10));
        assertEquals(Errno.EPERM, e.errno().orElseThrow());
        assertTrue(e.getMessage().contains("cpu.rt_runtime_us"), e.getMessage());
        assertEquals(SchedPolicy.OTHER, ThreadScheduler.get(t.tid()).policy());
    }

    /** A thread group made by a process killed right after its mkdir (crash sweep, k=20) is converged. */
    @Test
    void anExistingThreadGroupLeftWithTheKernelsMemoryMigrateGetsLibvirtsValue() throws Exception {
        DomainCgroup d = backend.createDomain(layout, (int) vm.pid());
        Path cpuset = in("cpuset", layout.threadPath(ThreadGroupName.vcpu(0)));
        // what the kernel leaves after a bare mkdir: memory_migrate 0 (cpus/mems filled as a crash may leave them)
        Files.createDirectories(cpuset);
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            Files.writeString(cpuset.resolve(f), file(cpuset.getParent().resolve(f)));
        }
        assertEquals("0", file(cpuset.resolve("cpuset.memory_migrate")));
        d.thread(ThreadGroupName.vcpu(0), true);
        assertEquals("1", file(cpuset.resolve("cpuset.memory_migrate")));
    }
}
