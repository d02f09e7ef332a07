package io.qtune.host.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.host.TestThread;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.ThreadAffinity;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcFsTest {
    private static final int PID = (int) ProcessHandle.current().pid();
    private final ProcFs proc = new ProcFs(Path.of("/"));

    @Test
    void liveThreadFacts() throws Exception {
        try (TestThread t = new TestThread("qtune-proc")) {
            ThreadAffinity.set(t.tid(), CpuSet.of(0));
            assertTrue(proc.tasks(PID).contains(t.tid()));
            assertTrue(proc.isTaskOf(PID, t.tid()));
            assertTrue(proc.isAlive(PID));
            // just moved by sched_setaffinity, the sleeper may still be runnable for a moment
            org.awaitility.Awaitility.await().atMost(io.qtune.testkit.TestTime.seconds(5))
                    .until(() -> proc.thread(PID, t.tid()).orElseThrow().state() == 'S');
            ThreadStat s = proc.thread(PID, t.tid()).orElseThrow();
            assertEquals(t.tid(), s.tid());
            assertEquals("qtune-proc", s.comm());
            assertEquals(CpuSet.of(0), s.cpusAllowed());
            assertTrue(s.lastCpu() >= 0);
            assertTrue(s.schedstat().runNs() > 0);
            assertTrue(s.schedstat().timeslices() > 0);
        }
    }

    @Test
    void busyThreadAccumulatesCpuTime() {
        int tid = ThreadAffinity.gettid();
        long end = System.nanoTime() + 150_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
            x += System.nanoTime() % 7;
        }
        ThreadStat s = proc.thread(PID, tid).orElseThrow();
        assertTrue(s.cpuTimeNs() > 0, "cpu time " + s.cpuTimeNs() + " " + x);
        assertEquals('R', s.state());
    }

    @Test
    void goneThreadsAndProcesses() {
        assertTrue(proc.thread(PID, 0x3ffffff0).isEmpty());
        assertTrue(proc.tasks(0x3ffffff0).isEmpty());
        assertFalse(proc.isAlive(0x3ffffff0));
        assertFalse(proc.isTaskOf(PID, 0x3ffffff0));
        assertFalse(proc.isTaskOf(1, PID == 1 ? -1 : ThreadAffinity.gettid()));
    }

    @Test
    void cgroupsOfThisProcess() {
        Map<String, String> cg = proc.cgroups(PID);
        assertTrue(cg.containsKey(""), cg.toString()); // v2 entry "0::/"
        assertTrue(cg.containsKey("cpu") || cg.containsKey("cpu,cpuacct") || cg.size() == 1, cg.toString());
    }

    @Test
    void capturedTreeWithOddComm(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        Path task = root.resolve("proc/42/task/43");
        java.nio.file.Files.createDirectories(task);
        java.nio.file.Files.writeString(root.resolve("proc/42/stat"), "42 (qemu-system-x86) S 1 42 42 0 -1 0 0 0 0 0 1 1 0 0 20 0 5 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0\n");
        java.nio.file.Files.writeString(task.resolve("stat"),
                "43 (CPU 0/KVM) ) R 1 42 42 0 -1 0 0 0 0 0 250 50 0 0 20 0 5 0 1" + " 0".repeat(15) + " 17 1 0 0\n");
        java.nio.file.Files.writeString(task.resolve("status"), "Name:\tCPU 0/KVM\nCpus_allowed:\t2\nCpus_allowed_list:\t1\n");
        java.nio.file.Files.writeString(task.resolve("schedstat"), "3000000000 1500000000 1234\n");
        java.nio.file.Files.writeString(root.resolve("proc/42/cgroup"),
                "4:cpu,cpuacct:/machine/qemu-1-vm.libvirt-qemu/vcpu0\n1:name=systemd:/\n0::/\n");
        ProcFs p = new ProcFs(root);
        ThreadStat s = p.thread(42, 43).orElseThrow();
        assertEquals(new ThreadStat(43, "CPU 0/KVM) ", 'R', 1, 3_000_000_000L, CpuSet.of(1),
                new SchedStat(3_000_000_000L, 1_500_000_000L, 1234)), s);
        assertEquals(Map.of("cpu,cpuacct", "/machine/qemu-1-vm.libvirt-qemu/vcpu0", "name=systemd", "/", "", "/"),
                p.cgroups(42));
        assertTrue(p.isAlive(42));
        assertEquals(java.util.List.of(43), p.tasks(42));
    }
}
