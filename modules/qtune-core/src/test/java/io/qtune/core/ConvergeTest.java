package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import io.qtune.host.sched.SchedPolicy;
import io.qtune.host.sched.SchedulerException;
import io.qtune.host.sched.ThreadScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a spec leaves out is brought back by apply and reported by diff: scheduler policies and
 * numatune's cpuset.mems, not only pins and bandwidth; and a failed operation puts a thread's
 * policy back to what it was, not to SCHED_OTHER.
 */
@Tag("v2")
class ConvergeTest {
  static final int OTHER = 0;
  static final int BATCH = 3;
  static final int IDLE = 5;

  @TempDir Path state;
  CgroupSandbox sandbox;
  QemuProcess qemu;
  Qtune qtune;
  Vm vm;
  CgroupView v = CgroupView.live();

  @BeforeEach
  void start() {
    sandbox = new CgroupSandbox("coretest");
    qemu = QemuProcess.start("2", 1);
    qtune = Qtune.create(TestOptions.options().withPartition(sandbox.partition()).withStateDir(state));
    vm = qtune.attach(qemu.socket(), TuningSpec.named("conv")).join();
  }

  @AfterEach
  void stop() {
    try {
      qtune.close();
    } finally {
      try {
        qemu.close();
      } finally {
        sandbox.close();
      }
    }
  }

  int vcpu(int n) {
    return vm.threads().vcpu(n).tid();
  }

  int policy(int tid) {
    return LiveTuningTest.policy(qemu.pid(), tid);
  }

  static boolean schedulerDrift(List<Drift> drift, int tid) {
    return drift.stream().anyMatch(d -> d.what().startsWith("thread " + tid + " ") && d.what().endsWith("scheduler"));
  }

  @Test
  void policiesTheSpecDoesNotSetAreDriftAndApplyBringsThemBackToOther() {
    int v0 = vcpu(0);
    int v1 = vcpu(1);
    int io = vm.threads().iothread(1).tid();
    // set behind qtune's back (chrt would do the same)
    ThreadScheduler.set(v0, SchedPolicy.BATCH, 0);
    ThreadScheduler.set(v1, SchedPolicy.IDLE, 0);
    ThreadScheduler.set(io, SchedPolicy.BATCH, 0);
    ThreadScheduler.set(qemu.pid(), SchedPolicy.IDLE, 0); // emulatorsched is the main thread's
    List<Drift> drift = vm.diff(TuningSpec.named("conv")).join();
    assertTrue(schedulerDrift(drift, v0), "vCPU 0 runs batch: " + drift);
    assertTrue(schedulerDrift(drift, v1), "vCPU 1 runs idle: " + drift);
    assertTrue(schedulerDrift(drift, io), "iothread 1 runs batch: " + drift);
    assertTrue(schedulerDrift(drift, qemu.pid()), "the main thread runs idle: " + drift);
    assertEquals(BATCH, policy(v0), "diff changes nothing");

    vm.apply(TuningSpec.named("conv")).join();
    assertEquals(OTHER, policy(v0));
    assertEquals(OTHER, policy(v1));
    assertEquals(OTHER, policy(io));
    assertEquals(OTHER, policy(qemu.pid()));
    assertEquals(List.of(), vm.diff(TuningSpec.named("conv")).join());
  }

  @Test
  void aVcpuschedRemovedFromTheSpecIsUndoneByApply() {
    int v0 = vcpu(0);
    TuningSpec batch = SpecReader.parse("{\"name\":\"conv\",\"vcpusched\":[{\"vcpus\":\"0\",\"scheduler\":\"batch\"}]}");
    vm.apply(batch).join();
    assertEquals(BATCH, policy(v0));
    assertEquals(List.of(), vm.diff(batch).join());

    TuningSpec none = TuningSpec.named("conv");
    List<Drift> drift = vm.diff(none).join();
    assertTrue(schedulerDrift(drift, v0), drift.toString());
    vm.apply(none).join();
    assertEquals(OTHER, policy(v0), "back to SCHED_OTHER");
    assertEquals(OTHER, policy(vcpu(1)));
  }

  @Test
  void aRemovedNumatuneGivesTheThreadGroupsTheDomainsMemsBack() throws Exception {
    List<Integer> nodes;
    try (Stream<Path> s = Files.list(Path.of("/sys/devices/system/node"))) {
      nodes = s.map(p -> p.getFileName().toString()).filter(n -> n.matches("node\\d+"))
          .map(n -> Integer.parseInt(n.substring(4))).sorted().toList();
    }
    String d = vm.domainPath();
    TuningSpec none = TuningSpec.named("conv");
    if (nodes.size() < 2) {
      // one node: nodeset 0 is the domain's own mems, so there is no drift to report and nothing
      // to restore (on v2 the groups' cpuset.mems stays written: emptying it would be ENOSPC)
      vm.apply(SpecReader.parse("{\"name\":\"conv\",\"numatune\":{\"mode\":\"strict\",\"nodeset\":\"0\"}}")).join();
      assertEquals(List.of(), vm.diff(none).join());
      vm.apply(none).join();
      for (String g : List.of("emulator", "vcpu0", "vcpu1", "iothread1")) {
        assertEquals(ThreadProbe.read(memsEffective(d)), ThreadProbe.read(memsEffective(d + "/" + g)), g);
      }
      assumeTrue(false, "one NUMA node: a nodeset narrower than the domain's cannot be made here");
    }
    int first = nodes.get(0);
    vm.apply(SpecReader.parse("{\"name\":\"conv\",\"numatune\":{\"mode\":\"strict\",\"nodeset\":\"" + first + "\"}}")).join();
    assertEquals(String.valueOf(first), v.mems(d + "/vcpu0"));
    List<Drift> drift = vm.diff(none).join();
    assertTrue(drift.stream().anyMatch(x -> x.what().endsWith("/vcpu0 cpuset.mems")), drift.toString());
    vm.apply(none).join();
    String domainMems = ThreadProbe.read(memsEffective(d));
    for (String g : List.of("emulator", "vcpu0", "vcpu1", "iothread1")) {
      assertEquals(domainMems, v.mems(d + "/" + g), g + " has the domain's mems again");
    }
    assertEquals(List.of(), vm.diff(none).join());
  }

  private Path memsEffective(String group) {
    Path mount = v.v2() ? Path.of("/sys/fs/cgroup")
        : CgroupView.v1Mount("cpuset").orElse(Path.of("/sys/fs/cgroup/cpuset"));
    return mount.resolve(group.substring(1)).resolve(v.v2() ? "cpuset.mems.effective" : "cpuset.effective_mems");
  }

  @Test
  void aFailedOperationPutsTheOldPolicyBackNotOther() {
    int v0 = vcpu(0);
    int v1 = vcpu(1);
    // the failure mid-operation: a real-time policy in a child cpu group is refused by the kernel
    // under RT group scheduling (cpu.rt_runtime_us is 0 there), only when it is tried
    try {
      ThreadScheduler.set(v1, SchedPolicy.FIFO, 10);
      ThreadScheduler.set(v1, SchedPolicy.OTHER, 0);
      assumeTrue(false, "this kernel lets a child cpu group run SCHED_FIFO: no mid-operation refusal");
    } catch (SchedulerException expected) {
      // EPERM, as on this host
    }
    ThreadScheduler.set(v0, SchedPolicy.BATCH, 0);
    TuningSpec spec = SpecReader.parse("""
        {"name": "conv", "vcpusched": [
          {"vcpus": "0", "scheduler": "idle"},
          {"vcpus": "1", "scheduler": "fifo", "priority": 10}]}
        """);
    CompletionException e = assertThrows(CompletionException.class, () -> vm.apply(spec).join());
    assertInstanceOf(OperationFailedException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("(changes rolled back)"), e.getCause().getMessage());
    assertEquals(BATCH, policy(v0), "vCPU 0 was set idle, then given its batch back");
    assertEquals(OTHER, policy(v1));
  }
}
