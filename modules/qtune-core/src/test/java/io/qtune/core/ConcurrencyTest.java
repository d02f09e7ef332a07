package io.qtune.core;

import io.qtune.core.testing.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.testing.CgroupSandbox;
import io.qtune.core.testing.CgroupView;
import io.qtune.core.testing.QemuProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations on one VM run one at a time, operations on different VMs side by side. An iothread
 * add checks that QEMU reports exactly one more iothread than before it: an add or delete of
 * another thread interleaving with it would fail that check, so many threads adding and deleting
 * distinct iothreads on one VM at once only pass when the VM's operations are serialized.
 */
@Tag("v2")
class ConcurrencyTest {
  @TempDir Path state;

  @Test
  void concurrentOperationsOnOneVmAreSerializedAndTwoVmsProceedTogether() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q1 = QemuProcess.start("2", 1);
        QemuProcess q2 = QemuProcess.start("2", 1);
        Qtune qtune = Qtune.create(TestTime.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm a = qtune.attach(q1.socket(), SpecReader.parse("{\"name\": \"c1\", \"iothread_quota\": 40000}")).join();
      Vm b = qtune.attach(q2.socket(), SpecReader.parse("{\"name\": \"c2\", \"iothread_quota\": 30000}")).join();
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (Vm vm : List.of(a, b)) {
        for (int t = 0; t < 4; t++) {
          int id = 10 + t;
          all.add(CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 10; i++) {
              vm.addIothread(IothreadSpec.of(id)).join();
              vm.pinVcpu(i % 2, i % 2 == 0 ? "0" : "1").join();
              vm.deleteIothread(id).join();
            }
          }, callers));
        }
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
      CgroupView v = CgroupView.live();
      for (Vm vm : List.of(a, b)) {
        assertEquals(List.of(1), vm.iothreadInfo().join().stream().map(IothreadInfo::id).toList());
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
}
