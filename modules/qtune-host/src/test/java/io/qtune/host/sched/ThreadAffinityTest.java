package io.qtune.host.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.host.Errno;
import io.qtune.host.TestThread;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.topology.HostTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ThreadAffinityTest {
    private static final long PID = ProcessHandle.current().pid();

    static String statusLine(int tid, String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + PID + "/task/" + tid + "/status"))) {
            if (line.startsWith(key + ":")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        throw new AssertionError(key + " missing");
    }

    @Test
    void gettidIsAThreadOfThisProcess() {
        int tid = ThreadAffinity.gettid();
        assertTrue(Files.isDirectory(Path.of("/proc/" + PID + "/task/" + tid)));
    }

    @Test
    void setAffinityOfAnotherThreadIsSeenInProcStatus() throws Exception {
        CpuSet online = HostTopology.read(Path.of("/")).online();
        try (TestThread t = new TestThread("qtune-aff")) {
            assertNotEquals(ThreadAffinity.gettid(), t.tid());
            int cpu = online.last();
            ThreadAffinity.set(t.tid(), CpuSet.of(cpu));
            assertEquals(String.valueOf(cpu), statusLine(t.tid(), "Cpus_allowed_list"));
            assertEquals(CpuSet.of(cpu), ThreadAffinity.get(t.tid()));
            assertEquals(CpuSet.of(cpu), CpuSet.parseMask(statusLine(t.tid(), "Cpus_allowed")));
            ThreadAffinity.set(t.tid(), online);
            assertEquals(online.toList(), statusLine(t.tid(), "Cpus_allowed_list"));
        }
    }

    @Test
    void cpuTheHostLacksIsEinvalAndChangesNothing() throws Exception {
        try (TestThread t = new TestThread("qtune-aff-bad")) {
            CpuSet before = ThreadAffinity.get(t.tid());
            AffinityException e = assertThrows(AffinityException.class,
                    () -> ThreadAffinity.set(t.tid(), CpuSet.of(4000)));
            assertEquals(Errno.EINVAL, e.errno().orElseThrow());
            assertEquals(t.tid(), e.tid());
            assertTrue(e.getMessage().contains("4000"), e.getMessage());
            assertEquals(before, ThreadAffinity.get(t.tid()));
        }
    }

    @Test
    void missingThreadIsEsrch() {
        AffinityException e = assertThrows(AffinityException.class, () -> ThreadAffinity.get(0x3ffffff0));
        assertEquals(Errno.ESRCH, e.errno().orElseThrow());
        e = assertThrows(AffinityException.class, () -> ThreadAffinity.set(0x3ffffff0, CpuSet.of(0)));
        assertEquals(Errno.ESRCH, e.errno().orElseThrow());
    }

    @Test
    void emptySetIsRefusedBeforeTheSyscall() {
        assertThrows(IllegalArgumentException.class, () -> ThreadAffinity.set(0, CpuSet.empty()));
    }

    @Test
    void schedulerBatchIdleAndBackToOther() throws Exception {
        try (TestThread t = new TestThread("qtune-sched")) {
            ThreadScheduler.set(t.tid(), SchedPolicy.BATCH, 0);
            assertEquals(new ThreadSchedule(SchedPolicy.BATCH, 0), ThreadScheduler.get(t.tid()));
            assertEquals("3", Files.readString(Path.of("/proc/" + PID + "/task/" + t.tid() + "/stat"))
                    .replaceAll("^.*\\) ", "").split(" ")[41 - 3]);
            ThreadScheduler.set(t.tid(), SchedPolicy.IDLE, 0);
            assertEquals(SchedPolicy.IDLE, ThreadScheduler.get(t.tid()).policy());
            ThreadScheduler.set(t.tid(), SchedPolicy.OTHER, 0);
            assertEquals(SchedPolicy.OTHER, ThreadScheduler.get(t.tid()).policy());
        }
    }

    @Test
    void realtimeFifoWithPriorityInTheRootGroup() throws Exception {
        try (TestThread t = new TestThread("qtune-rt")) {
            ThreadScheduler.set(t.tid(), SchedPolicy.FIFO, 10);
            assertEquals(new ThreadSchedule(SchedPolicy.FIFO, 10), ThreadScheduler.get(t.tid()));
            ThreadScheduler.set(t.tid(), SchedPolicy.RR, 5);
            assertEquals(new ThreadSchedule(SchedPolicy.RR, 5), ThreadScheduler.get(t.tid()));
            ThreadScheduler.set(t.tid(), SchedPolicy.OTHER, 0);
        }
    }

    @Test
    void priorityOutOfRangeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ThreadScheduler.set(0, SchedPolicy.FIFO, 0));
        assertEquals("priority '0' for scheduler 'fifo' must be in range [1, 99]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ThreadScheduler.set(0, SchedPolicy.BATCH, 3));
        assertThrows(IllegalArgumentException.class, () -> ThreadScheduler.set(0, SchedPolicy.RR, 100));
    }

    @Test
    void libvirtNames() {
        assertEquals(SchedPolicy.FIFO, SchedPolicy.parse("fifo"));
        assertEquals(SchedPolicy.RR, SchedPolicy.parse("rr"));
        assertEquals(SchedPolicy.BATCH, SchedPolicy.parse("batch"));
        assertEquals(SchedPolicy.IDLE, SchedPolicy.parse("IDLE"));
        assertEquals(SchedPolicy.OTHER, SchedPolicy.parse("none"));
        assertThrows(IllegalArgumentException.class, () -> SchedPolicy.parse("deadline"));
        assertEquals(SchedPolicy.FIFO, SchedPolicy.ofLinux(1 | 0x40000000));
    }
}
