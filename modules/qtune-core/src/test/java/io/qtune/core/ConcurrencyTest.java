package io.qtune.core;

import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations on one VM run one at a time, operations on different VMs side by side. An iothread
 * add checks that QEMU reports exactly one more iothread than before it: an add or delete of
 * another thread interleaving with it would fail that check, so many threads adding and deleting
 * distinct iothreads on one VM at once only pass when the VM's operations are serialized. That
 * different VMs do not wait for each other is asserted with one VM's operation blocked.
 */
@Tag("v2")
class ConcurrencyTest {
  @TempDir Path state;

  @Test
  void concurrentOperationsOnOneVmAreSerialized() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q1 = QemuProcess.start("2", 1);
        QemuProcess q2 = QemuProcess.start("2", 1);
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm a = qtune.attach(q1.socket(), SpecReader.parse("{\"name\": \"c1\", \"iothread_quota\": 40000}")).join();
      Vm b = qtune.attach(q2.socket(), SpecReader.parse("{\"name\": \"c2\", \"iothread_quota\": 30000}")).join();
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (Vm vm : List.of(a, b)) {
        for (int t = 0; t < 4; t++) {
          int id = 10 + t;
          all.add(CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 10; i++) {
              vm.iothreads().add(IothreadSpec.of(id)).join();
              vm.pins().vcpu(i % 2, i % 2 == 0 ? "0" : "1").join();
              vm.iothreads().delete(id).join();
            }
          }, callers));
        }
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
      CgroupView v = CgroupView.live();
      for (Vm vm : List.of(a, b)) {
        assertEquals(List.of(1), vm.iothreads().info().join().stream().map(IothreadInfo::id).toList());
        for (int id = 10; id < 14; id++) {
          assertEquals(false, v.existsAnywhere(vm.domainPath() + "/iothread" + id), "iothread" + id + " group gone");
        }
      }
      assertEquals(40000, v.quota(a.domainPath() + "/iothread1"));
      assertEquals(30000, v.quota(b.domainPath() + "/iothread1"));
    } finally {
      callers.shutdownNow();
    }
  }

  /**
   * VM A's QEMU is SIGSTOPped, so an operation on A that asks QMP waits for a reply that cannot
   * come. Meanwhile a pin and a QMP query on VM B must complete, and a second operation on A must
   * wait behind the first. One lock for all VMs fails this test (checked: a static lock around
   * OpQueue.run makes B's operations time out).
   */
  @Test
  void anOperationOnOneVmDoesNotWaitForABlockedOperationOnAnother() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(2);
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q1 = QemuProcess.start("2", 1);
        QemuProcess q2 = QemuProcess.start("2", 1);
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm a = qtune.attach(q1.socket(), SpecReader.parse("{\"name\": \"c1\"}")).join();
      Vm b = qtune.attach(q2.socket(), SpecReader.parse("{\"name\": \"c2\"}")).join();
      CgroupView v = CgroupView.live();
      String aVcpu0 = v.cpus(a.domainPath() + "/vcpu0");
      signal(q1, "STOP");
      CompletableFuture<List<IothreadInfo>> aFirst;
      CompletableFuture<Void> aSecond;
      try {
        // A is idle, so its operation runs on the calling thread: it sends the discovery queries
        // and parks on the replies, inside OpQueue.run, holding A's queue
        CompletableFuture<Thread> aCaller = new CompletableFuture<>();
        aFirst = CompletableFuture.supplyAsync(() -> {
          aCaller.complete(Thread.currentThread());
          return a.iothreads().info().join();
        }, callers);
        awaitParkedInAnOperation(aCaller.get(TestTime.millis(10), TimeUnit.MILLISECONDS));
        aSecond = a.pins().vcpu(0, "0");
        assertFalse(aSecond.isDone(), "a second operation on A waits for the first");

        CompletableFuture<List<IothreadInfo>> onB = CompletableFuture.supplyAsync(() -> {
          b.pins().vcpu(0, "1").join();
          return b.iothreads().info().join();
        }, callers);
        try {
          assertEquals(List.of(1), onB.get(TestTime.millis(10), TimeUnit.MILLISECONDS).stream()
              .map(IothreadInfo::id).toList());
        } catch (TimeoutException e) {
          fail("operations on VM B waited for the blocked operation on VM A");
        }
        assertEquals("1", v.cpus(b.domainPath() + "/vcpu0"));
        assertEquals("1", ThreadProbe.cpusAllowedList(q2.pid(), b.threads().vcpu(0).tid()));
        assertFalse(aFirst.isDone(), "A's operation is still waiting for QEMU");
        assertFalse(aSecond.isDone(), "and the one behind it too");
        assertEquals(aVcpu0, v.cpus(a.domainPath() + "/vcpu0"), "A's vcpu0 not pinned yet");
      } finally {
        signal(q1, "CONT");
      }
      assertEquals(List.of(1), aFirst.get(TestTime.millis(20), TimeUnit.MILLISECONDS).stream()
          .map(IothreadInfo::id).toList());
      aSecond.get(TestTime.millis(20), TimeUnit.MILLISECONDS);
      assertEquals("0", v.cpus(a.domainPath() + "/vcpu0"));
      assertEquals("0", ThreadProbe.cpusAllowedList(q1.pid(), a.threads().vcpu(0).tid()));
    } finally {
      callers.shutdownNow();
    }
  }

  /** SIGSTOP or SIGCONT to QEMU, and wait until /proc shows it stopped or running. */
  private static void signal(QemuProcess q, String sig) throws Exception {
    assertEquals(0, new ProcessBuilder("kill", "-" + sig, String.valueOf(q.pid())).start().waitFor());
    boolean stop = sig.equals("STOP");
    org.awaitility.Awaitility.await().atMost(TestTime.seconds(5)).until(() ->
        ThreadProbe.status(q.pid(), q.pid(), "State").startsWith("T") == stop);
  }

  /** Waits until {@code t} is parked inside a VM operation (a frame of OpQueue's run). */
  private static void awaitParkedInAnOperation(Thread t) {
    org.awaitility.Awaitility.await().atMost(TestTime.seconds(10)).until(() ->
        (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)
            && Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().equals(OpQueue.class.getName())
                && f.getMethodName().equals("run")));
  }
}
