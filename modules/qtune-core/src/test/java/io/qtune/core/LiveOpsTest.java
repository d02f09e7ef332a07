package io.qtune.core;

import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.testkit.CgroupDump;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each live operation's observable effect, and libvirt's bad-input table changing nothing. */
@Tag("v2")
class LiveOpsTest {
  @TempDir Path state;
  CgroupSandbox sandbox;
  QemuProcess qemu;
  Qtune qtune;
  Vm vm;
  CgroupView v;
  String d;

  @BeforeEach
  void start() {
    sandbox = new CgroupSandbox("coretest");
    qemu = QemuProcess.start("2,maxcpus=4", 1, 2);
    qtune = Qtune.create(TestOptions.options().withPartition(sandbox.partition()).withStateDir(state));
    vm = qtune.attach(qemu.socket(), ParityTest.spec()).join();
    v = CgroupView.live();
    d = vm.domainPath();
  }

  @AfterEach
  void stop() {
    try {
      if (qtune != null) {
        qtune.close();
      }
    } finally {
      if (qemu != null) {
        qemu.close();
      }
      sandbox.close();
    }
  }

  int tid(String comm) {
    return ThreadProbe.tasks(qemu.pid()).stream()
        .filter(t -> ThreadProbe.comm(qemu.pid(), t).equals(comm)).findFirst()
        .orElseThrow(() -> new AssertionError("no thread " + comm));
  }

  String vcpuComm(int n) {
    return ThreadProbe.tasks(qemu.pid()).stream().map(t -> ThreadProbe.comm(qemu.pid(), t))
        .filter(c -> c.startsWith("CPU " + n + "/")).findFirst().orElseThrow();
  }

  @Tag("lanes")
  @Test
  void vcpupinMovesCpusetThenAffinity() {
    vm.pins().vcpu(0, "1").join();
    assertEquals("1", v.cpus(d + "/vcpu0"));
    assertEquals("1", ThreadProbe.cpusAllowedList(qemu.pid(), tid(vcpuComm(0))));
    assertEquals("1", v.cpus(d + "/vcpu1"), "vcpu1 untouched");
  }

  @Tag("lanes")
  @Test
  void emulatorpinMovesEveryEmulatorThread() {
    vm.pins().emulator("0").join();
    assertEquals("0", v.cpus(d + "/emulator"));
    List<Integer> emulator = v.threads(d + "/emulator");
    assertTrue(emulator.contains(qemu.pid()), "QEMU's main thread is an emulator thread: " + emulator);
    for (int t : emulator) {
      assertEquals("0", ThreadProbe.cpusAllowedList(qemu.pid(), t));
    }
    assertEquals("0", vm.pins().emulator().join().toList());
  }

  /**
   * iothreadadd asks QEMU nothing before its object-add (issue 15): an iothread added behind qtune's
   * back is refused by QEMU's own answer, with libvirt's message, and nothing changes.
   */
  @Test
  void iothreadAddTrustsQemusAnswerOverItsLastDiscovery() {
    vm.qmp().addIothread(io.qtune.qmp.model.IothreadProperties.of("iothread4")).join();
    int behind = tid("IO iothread4");
    var before = CgroupDump.of(sandbox.dirs());
    CompletionException e = assertThrows(CompletionException.class,
        () -> vm.iothreads().add(IothreadSpec.of(4)).join());
    assertInstanceOf(InvalidInputException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("an IOThread is already using iothread_id '4'"),
        e.getCause().getMessage());
    assertEquals(before, CgroupDump.of(sandbox.dirs()), "nothing changed");
    assertEquals(behind, tid("IO iothread4"), "the iothread added behind qtune's back stays");
    assertFalse(v.existsAnywhere(d + "/iothread4"));
    IothreadInfo five = vm.iothreads().add(IothreadSpec.of(5)).join();
    assertEquals(tid("IO iothread5"), five.tid());
    assertEquals(List.of(five.tid()), v.threads(d + "/iothread5"));
  }

  @Tag("lanes")
  @Test
  void iothreadAddPinDelete() {
    IothreadInfo info = vm.iothreads().add(IothreadSpec.of(3)).join();
    String g = d + "/iothread3";
    int tid = tid("IO iothread3");
    assertEquals(tid, info.tid());
    assertEquals(List.of(tid), v.threads(g));
    assertEquals(100000, v.period(g));
    assertEquals(40000, v.quota(g), "new iothread gets the current iothread quota");
    assertEquals(v.cpus(d), v.cpus(g));
    assertEquals("0-1", ThreadProbe.cpusAllowedList(qemu.pid(), tid));

    vm.pins().iothread(3, "0").join();
    assertEquals("0", v.cpus(g));
    assertEquals("0", ThreadProbe.cpusAllowedList(qemu.pid(), tid));

    vm.iothreads().delete(3).join();
    assertFalse(v.existsAnywhere(g), "group removed");
    assertFalse(Files.exists(Path.of("/proc/" + qemu.pid() + "/task/" + tid)), "thread gone");
  }

  @Tag("lanes")
  @Test
  void schedinfoWritesEveryLevel() {
    vm.scheduler().set(new SchedParams().parse("vcpu_quota=20000")
        .parse("vcpu_period=100000").parse("emulator_quota=-1").parse("global_period=200000")
        .parse("iothread_quota=30000").parse("cpu_shares=512")).join();
    SchedInfo s = vm.scheduler().get().join();
    assertEquals(20000, v.quota(d + "/vcpu0"));
    assertEquals(20000, v.quota(d + "/vcpu1"));
    assertEquals(-1, v.quota(d + "/emulator"));
    assertEquals(200000, v.period(d));
    assertEquals(30000, v.quota(d + "/iothread1"));
    assertEquals(30000, v.quota(d + "/iothread2"));
    assertEquals(v.v2() ? ParityTest.runcWeight(512) : 512, v.weight(d));
    assertEquals(20000L, s.vcpuQuota());
    assertEquals(200000L, s.globalPeriod());
  }

  @Tag("lanes")
  @Test
  void quotaAboveTheGlobalQuotaIsRefusedByTheKernelAndChangesNothing() {
    // libvirt: "Invalid value '500000' for 'cpu.cfs_quota_us': Invalid argument", nothing changed
    var before = CgroupDump.of(sandbox.dirs());
    if (v.v2()) {
      // v2 accepts a child quota above its parent's (the parent still bounds the subtree)
      vm.scheduler().set(new SchedParams().parse("vcpu_quota=500000")).join();
      assertEquals(500000, v.quota(d + "/vcpu0"));
      return;
    }
    CompletionException e = assertThrows(CompletionException.class,
        () -> vm.scheduler().set(new SchedParams().parse("vcpu_quota=500000")).join());
    assertInstanceOf(OperationFailedException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("500000"), e.getCause().getMessage());
    assertEquals(before, CgroupDump.of(sandbox.dirs()));
  }

  @Tag("lanes")
  @Test
  void setvcpusPlacesTheNewVcpu() {
    vm.scheduler().set(new SchedParams().parse("vcpu_quota=20000")).join();
    List<VcpuInfo> info = vm.vcpus().setCount(3).join();
    assertEquals(List.of(0, 1, 2), info.stream().map(VcpuInfo::vcpu).toList(), "vcpuinfo: the online vCPUs");
    String g = d + "/vcpu2";
    int tid = tid(vcpuComm(2));
    assertEquals(tid, info.get(2).tid());
    assertEquals(List.of(tid), v.threads(g));
    assertEquals(20000, v.quota(g), "the current live vCPU quota");
    assertEquals(100000, v.period(g));
    assertEquals(ThreadProbe.read(Path.of("/sys/devices/system/cpu/online")),
        ThreadProbe.cpusAllowedList(qemu.pid(), tid));
  }

  @Tag("lanes")
  @Test
  void batchSchedulerOnAVcpu() {
    vm.scheduler().vcpuPolicy("1", "batch", null).join();
    int tid = tid(vcpuComm(1));
    assertEquals("3", ThreadProbe.stat(qemu.pid(), tid, 41), "policy field of /proc/.../stat is SCHED_BATCH");
  }

  /** libvirt's bad-input table: the same messages, and not one cgroup file changed. */
  @Tag("lanes")
  @Test
  void badInputIsRefusedWithLibvirtsMessagesAndChangesNothing() {
    var before = CgroupDump.of(sandbox.dirs());
    Map<String, Supplier<?>> cases = new java.util.LinkedHashMap<>();
    cases.put("CPU 7 in cpulist '7' exceed the maxcpu 2", () -> vm.pins().vcpu(0, "7").join());
    cases.put("Failed to parse bitmap '1-0'", () -> vm.pins().vcpu(0, "1-0").join());
    cases.put("Empty cpu list for pinning", () -> vm.pins().emulator("").join());
    cases.put("Empty iothread cpumap list for pinning", () -> vm.pins().iothread(1, "").join());
    cases.put("iothread 9 not found", () -> vm.pins().iothread(9, "0").join());
    cases.put("vcpu 9 is out of range of live cpu count 4", () -> vm.pins().vcpu(9, "0").join());
    cases.put("value of 'vcpu_quota' is out of range [1000, 17592186044415]",
        () -> vm.scheduler().set(new SchedParams().parse("vcpu_quota=999")).join());
    cases.put("value of 'emulator_period' is out of range [1000, 1000000]",
        () -> vm.scheduler().set(new SchedParams().parse("emulator_period=5000000")).join());
    cases.put("shares '1' must be in range [2, 262144]",
        () -> vm.scheduler().set(new SchedParams().parse("cpu_shares=1")).join());
    cases.put("an IOThread is already using iothread_id '1'",
        () -> vm.iothreads().add(IothreadSpec.of(1)).join());
    cases.put("cannot find IOThread '9' in iothreadids list", () -> vm.iothreads().delete(9).join());
    cases.put("invalid value of 0 for iothread_id", () -> vm.iothreads().add(IothreadSpec.of(0)).join());
    cases.put("requested vcpus is greater than max allowable vcpus for the live domain: 5 > 4",
        () -> vm.vcpus().setCount(5).join());
    cases.put("scheduler 'fifo' needs a priority in range [1, 99]",
        () -> vm.scheduler().vcpuPolicy("0", "fifo", 0).join());
    for (var c : cases.entrySet()) {
      CompletionException e = assertThrows(CompletionException.class, () -> c.getValue().get(), c.getKey());
      assertInstanceOf(InvalidInputException.class, e.getCause(), c.getKey());
      assertTrue(e.getCause().getMessage().contains(c.getKey()),
          "expected '" + c.getKey() + "' in: " + e.getCause().getMessage());
      assertEquals(before, CgroupDump.of(sandbox.dirs()), "nothing changed by: " + c.getKey());
    }
  }

  @Test
  void reattachConvergesWithoutDuplicatesAndReportsDrift() {
    vm.pins().vcpu(0, "1").join(); // drift against the spec (vcpu0 → 0)
    vm.pins().iothread(2, "0").join(); // drift: iothread2 is unpinned in the spec
    vm.close();
    try (Qtune other = Qtune.create(TestOptions.options().withPartition(sandbox.partition()).withStateDir(state))) {
      Vm again = other.open(qemu.socket()).join();
      assertEquals(d, again.domainPath(), "found the existing group by pid");
      List<Drift> drift = again.diff(ParityTest.spec()).join();
      assertTrue(drift.stream().anyMatch(x -> x.what().endsWith("/vcpu0 cpuset.cpus")), drift.toString());
      assertTrue(drift.stream().anyMatch(x -> x.what().endsWith("/iothread2 cpuset.cpus (unpinned)")), drift.toString());
      assertEquals("1", v.cpus(d + "/vcpu0"), "diff changes nothing");
      again.apply(ParityTest.spec()).join();
      assertEquals("0", v.cpus(d + "/vcpu0"));
      assertTrue(again.diff(ParityTest.spec()).join().isEmpty());
      long domains = sandbox.dirs().stream().mapToLong(p -> {
        try (var s = Files.list(p)) {
          return s.filter(Files::isDirectory).count();
        } catch (java.io.IOException e) {
          throw new AssertionError(e);
        }
      }).max().orElse(0);
      assertEquals(1, domains, "one domain group, no duplicate");
      ParityTest.assertLibvirtTable(again, qemu.pid());
    }
  }

  @Test
  void hundredIothreadCyclesLeaveNothingBehind() {
    int threadsBefore = ThreadProbe.tasks(qemu.pid()).size();
    for (int i = 0; i < 100; i++) {
      vm.iothreads().add(IothreadSpec.of(10)).join();
      vm.iothreads().delete(10).join();
    }
    assertFalse(v.existsAnywhere(d + "/iothread10"));
    org.awaitility.Awaitility.await().atMost(TestTime.seconds(5))
        .until(() -> ThreadProbe.tasks(qemu.pid()).size() == threadsBefore);
    assertEquals(List.of("1", "2"), vm.iothreads().info().join().stream().map(i -> "" + i.id()).toList());
  }

  @Tag("lanes")
  @Test
  void diskOnAnIothreadKeepsThatIothreadFromBeingDeleted() throws Exception {
    Path img = state.resolve("disk.raw");
    try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(1 << 20);
    }
    vm.disks().attach(img, "vdb", 1).join();
    var io = vm.qmp().qomGet("/machine/peripheral/vdb", "iothread").join();
    assertTrue(io.asText().endsWith("iothread1"), "device vdb served by iothread1: " + io);
    var blocks = vm.qmp().execute("query-named-block-nodes", Map.of("flat", true)).join();
    assertTrue(blocks.toString().contains(img.toString()), "image opened by QEMU");

    var before = CgroupDump.of(sandbox.dirs());
    CompletionException e = assertThrows(CompletionException.class, () -> vm.iothreads().delete(1).join());
    assertInstanceOf(InvalidInputException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("being used by disk 'vdb'"), e.getCause().getMessage());
    assertEquals(before, CgroupDump.of(sandbox.dirs()));

    // a paused guest cannot acknowledge a PCI unplug: the detach says so instead of hanging
    CompletionException stuck = assertThrows(CompletionException.class,
        () -> vm.disks().detach("vdb", java.time.Duration.ofMillis(500)).join());
    assertInstanceOf(OperationFailedException.class, stuck.getCause());
    assertTrue(stuck.getCause().getMessage().contains("did not release disk 'vdb'"), stuck.getCause().getMessage());

    CompletionException bad = assertThrows(CompletionException.class,
        () -> vm.disks().attach(img, "vdc", 9).join());
    assertTrue(bad.getCause().getMessage().contains("iothread 9 not found"));
  }
}
