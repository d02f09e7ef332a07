package io.qtune.core;

import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.ThreadProbe;
import io.qtune.host.HostException;
import io.qtune.host.cgroup.CgroupBackend;
import io.qtune.host.cgroup.CgroupLayout;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.MachineName;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.ThreadAffinity;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Emulator threads include QEMU's thread-pool workers, which come and go between discovery and
 * placement: one that exited is skipped. A vCPU thread that is gone is an error. The test JVM
 * stands in for QEMU (its threads are real threads of one process), as in the host module's tests.
 */
class PlacerTest {
  @TempDir Path state;

  @Tag("lanes")
  @Test
  void anExitedEmulatorThreadIsSkippedAnExitedVcpuThreadIsAnError() throws Exception {
    int pid = (int) ProcessHandle.current().pid();
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger liveTid = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    Thread live = new Thread(() -> {
      liveTid.set(ThreadAffinity.gettid());
      started.countDown();
      try {
        stop.await();
      } catch (InterruptedException ignored) {
        // test over
      }
    }, "placer-live");
    live.start();
    started.await();
    AtomicInteger deadTid = new AtomicInteger();
    Thread dead = new Thread(() -> deadTid.set(ThreadAffinity.gettid()), "placer-dead");
    dead.start();
    dead.join();
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      CgroupBackend backend = qtune.cgroups().backend();
      CgroupLayout layout = CgroupLayout.forHost(MachineName.of(1, "placer"), qtune.cgroups())
          .withPartition(sb.partition());
      DomainCgroup domain = backend.createDomain(layout, pid);
      CpuSet online = qtune.topology().online();
      Placer placer = new Placer(backend, online, new io.qtune.host.proc.ProcFs(Path.of("/")));
      CpuSet one = CpuSet.of(online.last());

      placer.place(domain, pid, List.of(new Placer.Target(ThreadGroupName.emulator(), Optional.of(one),
          Optional.empty(), Optional.empty(), Optional.empty(), List.of(deadTid.get(), liveTid.get()),
          Optional.empty())), new UndoLog());
      CgroupView v = CgroupView.live();
      assertTrue(v.threads(layout.domainPath() + "/emulator").contains(liveTid.get()));
      assertEquals(one.toList(), ThreadProbe.cpusAllowedList(pid, liveTid.get()));

      // a vCPU's thread that is gone is an error: its ID may be another process's by now
      ForeignThreadException e = assertThrows(ForeignThreadException.class, () -> placer.place(domain, pid,
          List.of(new Placer.Target(ThreadGroupName.vcpu(0), Optional.empty(), Optional.empty(),
              Optional.empty(), Optional.empty(), List.of(deadTid.get()), Optional.empty())),
          new UndoLog()));
      assertEquals((long) deadTid.get(), e.tid(), e.getMessage());
    } finally {
      stop.countDown();
      live.join();
      ThreadAffinity.set(ThreadAffinity.gettid(), ThreadAffinity.get(ThreadAffinity.gettid()));
    }
  }
}
