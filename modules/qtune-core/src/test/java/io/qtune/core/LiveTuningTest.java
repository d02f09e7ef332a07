package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupDump;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM placed by one qtune and opened by another (a one-shot CLI command, a restarted manager):
 * the second reads the live tuning back from the kernel, so its operations keep the settings the
 * first one made, as libvirt does with its status XML.
 */
@Tag("v2")
class LiveTuningTest {
  @TempDir Path state;
  CgroupSandbox sandbox;
  QemuProcess qemu;
  CgroupView v = CgroupView.live();

  @BeforeEach
  void start() {
    sandbox = new CgroupSandbox("coretest");
    qemu = QemuProcess.start("2,maxcpus=4", 1, 2);
  }

  @AfterEach
  void stop() {
    try {
      qemu.close();
    } finally {
      sandbox.close();
    }
  }

  Qtune qtune() {
    return Qtune.create(TestOptions.options().withPartition(sandbox.partition()).withStateDir(state));
  }

  /** One process: open the VM, run {@code body}, let go of it (the groups stay). */
  String inOneProcess(Consumer<Vm> body) {
    try (Qtune q = qtune()) {
      Vm vm = q.open(qemu.socket()).join();
      try {
        body.accept(vm);
        return vm.domainPath();
      } finally {
        vm.close();
      }
    }
  }

  int vcpuTid(int n) {
    return ThreadProbe.tasks(qemu.pid()).stream()
        .filter(t -> ThreadProbe.comm(qemu.pid(), t).startsWith("CPU " + n + "/")).findFirst()
        .orElseThrow(() -> new AssertionError("no thread of vCPU " + n));
  }

  @Test
  void setvcpusInASecondProcessGivesTheNewVcpuTheLiveQuota() {
    // schedinfo --set vcpu_quota=20000, then setvcpus 3 in another process (libvirt: 20000)
    String d = inOneProcess(vm -> vm.scheduler().set(new SchedParams().parse("vcpu_quota=20000")).join());
    inOneProcess(vm -> vm.vcpus().setCount(3).join());
    String g = d + "/vcpu2";
    assertEquals(List.of(vcpuTid(2)), v.threads(g));
    assertEquals(20000, v.quota(g), "vcpu2 gets the vCPU quota in force, not -1");
    assertEquals(100000, v.period(g));
    assertEquals(20000, v.quota(d + "/vcpu0"), "vcpu0 untouched");
  }

  @Test
  void iothreadaddInASecondProcessKeepsIothreadQuotaAndMovesNothingElse() {
    String d = inOneProcess(vm -> {
      vm.pins().iothread(1, "1").join();
      vm.scheduler().set(new SchedParams().parse("iothread_quota=30000")).join();
    });
    Map<String, String> before = values(CgroupDump.of(sandbox.dirs()));
    int io1 = ThreadProbe.tasks(qemu.pid()).stream()
        .filter(t -> ThreadProbe.comm(qemu.pid(), t).equals("IO iothread1")).findFirst().orElseThrow();
    inOneProcess(vm -> vm.iothreads().add(IothreadSpec.of(3)).join());
    String g = d + "/iothread3";
    assertEquals(30000, v.quota(g), "libvirt applies iothread_period/quota to a new iothread");
    assertEquals(100000, v.period(g));
    assertEquals(v.effectiveCpus(d), v.effectiveCpus(g), "the new iothread is not pinned");
    Map<String, String> after = values(CgroupDump.of(sandbox.dirs()));
    after.keySet().removeIf(k -> k.contains("/iothread3/"));
    assertEquals(before, after, "no other group changed");
    assertEquals("1", ThreadProbe.cpusAllowedList(qemu.pid(), io1), "iothread1 keeps its pin");
    assertEquals("1", v.cpus(d + "/iothread1"));
  }

  @Test
  void vcpupinFromTheFirstProcessIsInTheSecondOnesSpec() {
    inOneProcess(vm -> vm.pins().vcpu(0, "1").join());
    inOneProcess(vm -> {
      TuningSpec s = vm.spec();
      assertEquals(List.of(new TuningSpec.VcpuPin(0, "1")), s.vcpupin(), "vcpu0 pinned, vcpu1 not");
      assertNull(s.emulatorpin(), "the emulator group is not pinned");
      // a later pin keeps the one read back
      vm.pins().vcpu(1, "0").join();
      assertEquals(List.of(new TuningSpec.VcpuPin(0, "1"), new TuningSpec.VcpuPin(1, "0")),
          vm.spec().vcpupin());
    });
  }

  @Test
  void openingAPlacedVmReadsItBackAndChangesNothing() {
    try (Qtune q = qtune()) {
      Vm vm = q.attach(qemu.socket(), ParityTest.spec()).join();
      vm.scheduler().vcpuPolicy("1", "batch", null).join();
      // policies set by someone else are read back too
      io.qtune.host.sched.ThreadScheduler.set(vm.threads().iothread(2).tid(),
          io.qtune.host.sched.SchedPolicy.IDLE, 0);
      io.qtune.host.sched.ThreadScheduler.set(qemu.pid(), io.qtune.host.sched.SchedPolicy.BATCH, 0);
      vm.close();
    }
    Map<String, String> dump = CgroupDump.of(sandbox.dirs());
    Map<Integer, String> threads = threadState();
    inOneProcess(vm -> {
      assertEquals(dump, CgroupDump.of(sandbox.dirs()), "open wrote nothing");
      assertEquals(threads, threadState(), "open touched no thread");
      TuningSpec s = vm.spec();
      assertEquals(50000L, s.quota());
      assertEquals(180000L, s.globalQuota());
      assertEquals(200000L, s.emulatorPeriod());
      assertEquals(60000L, s.emulatorQuota());
      assertEquals(40000L, s.iothreadQuota());
      assertEquals("1", s.emulatorpin());
      assertEquals(List.of(new TuningSpec.VcpuPin(0, "0"), new TuningSpec.VcpuPin(1, "1")), s.vcpupin());
      assertEquals(List.of(new TuningSpec.IothreadPin(1, "1")), s.iothreadpin());
      assertEquals(List.of(new TuningSpec.VcpuSched("1", "batch", null)), s.vcpusched());
      assertEquals(List.of(new TuningSpec.IothreadSched("2", "idle", null)), s.iothreadsched());
      assertEquals(new TuningSpec.EmulatorSched("batch", null), s.emulatorsched());
      // what was read back is exactly what is there: no drift, and applying it is a no-op
      assertEquals(List.of(), vm.diff(s).join());
      vm.apply(s).join();
      assertEquals(dump, CgroupDump.of(sandbox.dirs()), "apply of the read-back spec wrote nothing");
      assertEquals(threads, threadState());
    });
  }

  /** Only the value files: memberships follow QEMU's own threads, which may come and go. */
  private static Map<String, String> values(Map<String, String> dump) {
    Map<String, String> out = new TreeMap<>(dump);
    out.keySet().removeIf(k -> k.endsWith("/tasks") || k.endsWith("/cgroup.threads")
        || k.endsWith("/cgroup.procs"));
    return out;
  }

  /** Every QEMU thread's affinity and scheduling policy, from /proc. */
  private Map<Integer, String> threadState() {
    Map<Integer, String> out = new TreeMap<>();
    for (int tid : ThreadProbe.tasks(qemu.pid())) {
      out.put(tid, ThreadProbe.cpusAllowedList(qemu.pid(), tid) + " policy " + policy(qemu.pid(), tid));
    }
    return out;
  }

  /** The policy field of /proc/PID/task/TID/stat (0 other, 3 batch, 5 idle). */
  static int policy(int pid, int tid) {
    return Integer.parseInt(ThreadProbe.stat(pid, tid, 41));
  }
}
