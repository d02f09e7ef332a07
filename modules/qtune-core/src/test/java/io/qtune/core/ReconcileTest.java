package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.testing.Testbed;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import io.qtune.host.KernelFaults;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.ThreadAffinity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * Threads that appear after placement inherit the group and affinity of the thread that spawned
 * them. A stray is made the way inheritance leaves one: a real QEMU thread that is neither a vCPU
 * nor an iothread is written into vcpu1's group (every hierarchy) and given vCPU 1's affinity.
 */
@Tag("v2")
class ReconcileTest {
  static final String SPEC = """
      {
        "name": "r1",
        "iothreads": [ {"id": 1} ],
        "vcpupin": [ {"vcpu": 0, "cpuset": "0"}, {"vcpu": 1, "cpuset": "1"} ],
        "emulatorpin": "0-1",
        "iothreadpin": [ {"iothread": 1, "cpuset": "0"} ]
      }
      """;

  @TempDir Path state;
  Testbed bed;
  QemuProcess qemu;
  Qtune qtune;
  Vm vm;
  String d;

  void start(Duration reconcileInterval) {
    bed = Testbed.start("coretest", state, o -> o.withReconcileInterval(reconcileInterval), "2", 1);
    qemu = bed.qemu();
    qtune = bed.qtune();
    vm = qtune.attach(qemu.socket(), spec()).join();
    d = vm.domainPath();
  }

  static TuningSpec spec() {
    return SpecReader.parse(SPEC);
  }

  @AfterEach
  void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  /** An emulator thread other than the main one (QEMU's RCU thread is always there). */
  int emulatorWorker() {
    return vm.threads().emulator().stream().filter(t -> t != qemu.pid()).findFirst()
        .orElseThrow(() -> new AssertionError("QEMU has no emulator thread besides its main thread"));
  }

  /** What the kernel leaves when a vCPU thread spawns {@code tid}: vcpu1's groups and affinity. */
  void inherit(int tid, String group, String cpus) {
    CgroupView v = CgroupView.live();
    List<Path> dirs = new ArrayList<>(v.dirs(group));
    if (!v.v2()) {
      CgroupView.v1Mount("cpuacct").map(m -> m.resolve(group.substring(1)))
          .filter(Files::isDirectory).filter(p -> !dirs.contains(p)).ifPresent(dirs::add);
    }
    for (Path dir : dirs) {
      try {
        Files.writeString(dir.resolve(v.v2() ? "cgroup.threads" : "tasks"), String.valueOf(tid));
      } catch (IOException e) {
        throw new AssertionError("cannot move " + tid + " into " + dir, e);
      }
    }
    ThreadAffinity.set(tid, CpuSet.parse(cpus));
    assertEquals(d + "/vcpu1", CgroupView.live().groupOf(qemu.pid(), tid), "the stray is made");
  }

  /** Every task of QEMU in its role's group (cpu and cpuset hierarchies) with its role's affinity. */
  void assertEveryThreadWhereItsRoleSays() {
    VmThreads t = vm.threads();
    for (int tid : ThreadProbe.tasks(qemu.pid())) {
      String role = "emulator";
      String cpus = "0-1";
      for (VcpuThread v : t.vcpus()) {
        if (v.tid() == tid) {
          role = "vcpu" + v.index();
          cpus = String.valueOf(v.index());
        }
      }
      for (IothreadThread io : t.iothreads()) {
        if (io.tid() == tid) {
          role = "iothread" + io.id();
          cpus = "0";
        }
      }
      String what = "thread " + tid + " (" + ThreadProbe.comm(qemu.pid(), tid) + ", " + role + ")";
      assertEquals(d + "/" + role, CgroupView.live().groupOf(qemu.pid(), tid), what);
      assertEquals(d + "/" + role, ThreadProbe.cgroup(qemu.pid(), tid, "cpu"), what + " cpu hierarchy");
      assertEquals(cpus, ThreadProbe.cpusAllowedList(qemu.pid(), tid), what + " Cpus_allowed_list");
    }
    assertEquals(List.of(), vm.diff(spec()).join(), "diff reports nothing");
  }

  @Test
  void psMarksAStrayAndReconcileMovesItBack() {
    start(Duration.ZERO);
    int stray = emulatorWorker();
    inherit(stray, d + "/vcpu1", "1");

    List<ThreadPlacement> ps = vm.placement().join();
    ThreadPlacement row = ps.stream().filter(p -> p.tid() == stray).findFirst().orElseThrow();
    assertEquals("emulator", row.role());
    assertEquals(d + "/vcpu1", row.group());
    assertEquals(d + "/emulator", row.wantGroup());
    assertEquals(CpuSet.parse("0-1"), row.wantAffinity());
    assertTrue(row.stray(), row.toString());
    assertEquals(List.of(stray), ps.stream().filter(ThreadPlacement::stray).map(ThreadPlacement::tid).toList(),
        "only the stray is marked");
    assertFalse(vm.diff(spec()).join().isEmpty(), "diff sees the stray");

    List<ThreadMove> moved = vm.reconcile().join();
    assertEquals(1, moved.size(), moved.toString());
    ThreadMove m = moved.get(0);
    assertEquals(stray, m.tid());
    assertEquals("emulator", m.role());
    assertEquals(d + "/vcpu1", m.fromGroup());
    assertEquals(d + "/emulator", m.toGroup());
    assertEquals(CpuSet.parse("1"), m.fromAffinity());
    assertEquals(CpuSet.parse("0-1"), m.toAffinity());
    assertEveryThreadWhereItsRoleSays();
    assertTrue(vm.placement().join().stream().noneMatch(ThreadPlacement::stray));
  }

  @Test
  void aThreadWithOnlyTheWrongAffinityGetsItsRolesAffinity() {
    start(Duration.ZERO);
    int worker = emulatorWorker();
    ThreadAffinity.set(worker, CpuSet.parse("1"));
    List<ThreadMove> moved = vm.reconcile().join();
    assertEquals(List.of(worker), moved.stream().map(ThreadMove::tid).toList());
    assertEquals(moved.get(0).fromGroup(), moved.get(0).toGroup(), "no group change");
    assertEveryThreadWhereItsRoleSays();
  }

  @Test
  void aReconcileWithNothingToDoWritesNothing() {
    start(Duration.ZERO);
    AtomicInteger writes = new AtomicInteger();
    List<ThreadMove> moved;
    try (AutoCloseable f = KernelFaults.install((op, target, value) -> {
      writes.incrementAndGet();
      return null;
    })) {
      moved = vm.reconcile().join();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertEquals(List.of(), moved);
    assertEquals(0, writes.get(), "no cgroup write, no sched_setaffinity");
    assertEveryThreadWhereItsRoleSays();
  }

  /**
   * Every live operation ends with a pass over the threads born since the last discovery; when none
   * was born it lists QEMU's tasks and reads nothing else (issue 15). A worker born in a vCPU's group
   * (as the kernel's kvm-nx-lpage-recovery worker is, where KVM is) goes to emulator at the end of
   * the next operation; a known thread moved behind qtune's back waits for the periodic or an
   * explicit pass.
   */
  @Test
  void everyLiveOperationEndsWithReconcile() {
    start(Duration.ZERO);
    int known = emulatorWorker();
    inherit(known, d + "/vcpu1", "1");
    vm.pins().vcpu(0, "0").join();
    assertEquals(d + "/vcpu1", CgroupView.live().groupOf(qemu.pid(), known), "left to a full pass");
    assertEquals(1, vm.reconcile().join().size());

    // a thread born after the last discovery: QMP can start one at will (an iothread added behind
    // this Vm's back); inherit() makes it look spawned by vCPU 1, as the kernel's worker is
    vm.qmp().addIothread(io.qtune.qmp.model.IothreadProperties.of("iothread9")).join();
    int worker = ThreadProbe.tasks(qemu.pid()).stream()
        .filter(t -> ThreadProbe.comm(qemu.pid(), t).equals("IO iothread9")).findFirst().orElseThrow();
    assertFalse(vm.threads().emulator().contains(worker), "unknown to the last discovery");
    inherit(worker, d + "/vcpu1", "1");
    vm.scheduler().set(new SchedParams().parse("vcpu_quota=50000")).join();
    assertEquals(d + "/emulator", CgroupView.live().groupOf(qemu.pid(), worker));
    assertEquals(d + "/emulator", ThreadProbe.cgroup(qemu.pid(), worker, "cpu"));
    assertEquals("0-1", ThreadProbe.cpusAllowedList(qemu.pid(), worker));
  }

  /**
   * Where a role's thread belongs is read from the kernel, not from memory: a pin made since by
   * another qtune process (vcpupin from a one-shot CLI while launch supervises) is not undone.
   */
  @Test
  void aPinMadeByAnotherQtuneProcessIsKept() throws IOException {
    start(Duration.ZERO);
    // what 'qtune vcpupin r1 1 0' in another process writes: vcpu1's cpuset, then its affinity
    for (Path dir : CgroupView.live().dirs(d + "/vcpu1")) {
      if (Files.exists(dir.resolve("cpuset.cpus"))) {
        Files.writeString(dir.resolve("cpuset.cpus"), "0");
      }
    }
    int vcpu1 = vm.threads().vcpu(1).tid();
    ThreadAffinity.set(vcpu1, CpuSet.parse("0"));
    assertEquals(List.of(), vm.reconcile().join());
    assertEquals("0", ThreadProbe.cpusAllowedList(qemu.pid(), vcpu1));
    assertTrue(vm.placement().join().stream().noneMatch(ThreadPlacement::stray));
  }

  @Test
  void aSupervisedVmHasItsStraysMovedBackPeriodically() {
    start(Duration.ofMillis(200));
    int stray = emulatorWorker();
    inherit(stray, d + "/vcpu1", "1");
    long deadline = System.nanoTime() + TestTime.seconds(20).toNanos();
    while (!(d + "/emulator").equals(CgroupView.live().groupOf(qemu.pid(), stray))
        || !"0-1".equals(ThreadProbe.cpusAllowedList(qemu.pid(), stray))) {
      assertTrue(System.nanoTime() < deadline, "the periodic reconcile did not move the stray back");
      Vm.sleep(50);
    }
    assertEveryThreadWhereItsRoleSays();
  }

  /**
   * Threads started after placement, for real: a read on a disk served by iothread1 starts that
   * AioContext's thread-pool workers (QEMU 7.2 starts them from the main loop, so they are born in
   * emulator; where KVM is, the kernel's kvm-nx-lpage-recovery worker is born in a vCPU's group and
   * is a task of QEMU too). After a reconcile every task is where its role says.
   */
  @Test
  void threadsStartedAfterPlacementEndWhereTheirRoleSays(@TempDir Path images) throws IOException {
    start(Duration.ZERO);
    Path img = images.resolve("d.raw");
    Files.write(img, new byte[1 << 20]);
    List<Integer> before = ThreadProbe.tasks(qemu.pid());
    vm.disks().attach(img, "vdb", 1).join();
    vm.qmp().execute("human-monitor-command", java.util.Map.of("command-line",
        "qemu-io -d vdb \"read 0 4k\"")).join();
    List<Integer> spawned = new ArrayList<>(ThreadProbe.tasks(qemu.pid()));
    spawned.removeAll(before);
    assertFalse(spawned.isEmpty(), "the read started a thread-pool worker");
    vm.reconcile().join();
    assertEveryThreadWhereItsRoleSays();
    assertTrue(vm.placement().join().stream().noneMatch(ThreadPlacement::stray));
  }
}
