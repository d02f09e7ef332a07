package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.Testbed;
import io.qtune.testkit.CgroupDump;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import io.qtune.host.Errno;
import io.qtune.host.KernelFaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed operation restores exactly what was there: memberships, values, affinities, schedulers
 * and QEMU's iothreads. The failures are injected at a real kernel call (KernelFaults); every other
 * call goes to the kernel.
 */
@Tag("v2")
class RollbackTest {
  @TempDir Path state;

  static final String SPEC_B = """
      {
        "name": "vm1",
        "iothreads": [ {"id": 1}, {"id": 2, "poll_max_ns": 32768}, {"id": 3} ],
        "vcpupin": [ {"vcpu": 0, "cpuset": "1"}, {"vcpu": 1, "cpuset": "0"} ],
        "emulatorpin": "0",
        "iothreadpin": [ {"iothread": 1, "cpuset": "0"}, {"iothread": 3, "cpuset": "1"} ],
        "shares": 1024,
        "period": 200000, "quota": 70000,
        "emulator_period": 100000, "emulator_quota": 50000,
        "iothread_period": 100000, "iothread_quota": 30000,
        "vcpusched": [ {"vcpus": "0-1", "scheduler": "batch"} ]
      }
      """;

  /** Everything a rollback must restore, as text: cgroup files and members, affinities, iothreads. */
  static Map<String, String> snapshot(CgroupSandbox sb, QemuProcess q, Vm vm) {
    Map<String, String> out = new TreeMap<>(CgroupDump.of(sb.dirs()));
    for (int tid : ThreadProbe.tasks(q.pid())) {
      String comm = ThreadProbe.comm(q.pid(), tid);
      if (comm.startsWith("worker")) {
        continue; // QEMU's thread-pool workers come and go on their own
      }
      out.put("affinity " + tid + " " + comm, ThreadProbe.cpusAllowedList(q.pid(), tid));
      out.put("policy " + tid + " " + comm, policy(q.pid(), tid));
    }
    List<String> ios = new ArrayList<>();
    vm.qmp().queryIothreads().join().forEach(i -> ios.add(i.id()));
    out.put("iothreads", String.join(",", ios.stream().sorted().toList()));
    return out;
  }

  /** The scheduling policy, field 41 of /proc/PID/task/TID/stat. */
  static String policy(int pid, int tid) {
    return ThreadProbe.stat(pid, tid, 41);
  }

  static OperationFailedException failed(Runnable op) {
    CompletionException e = assertThrows(CompletionException.class, op::run);
    return assertInstanceOf(OperationFailedException.class, e.getCause(), String.valueOf(e.getCause()));
  }

  @Tag("lanes")
  @Test
  void aFailedApplyOnAPlacedVmRestoresExactlyWhatWasThere() throws Exception {
    try (Testbed bed = Testbed.start("rollback", state, "2,maxcpus=4", 1, 2)) {
      CgroupSandbox sb = bed.sandbox();
      QemuProcess q = bed.qemu();
      Qtune qtune = bed.qtune();
      Vm vm = qtune.attach(q.socket(), ParityTest.spec()).join();
      Map<String, String> before = snapshot(sb, q, vm);
      // fail the second scheduler call: after every group write, the attach burst and the
      // affinities, so memberships, values, one policy and the new iothread have all changed
      AtomicInteger calls = new AtomicInteger();
      try (AutoCloseable f = KernelFaults.install((op, target, value) ->
          op.equals("sched_setscheduler") && calls.incrementAndGet() == 2 ? Errno.EPERM : null)) {
        OperationFailedException e = failed(() -> vm.apply(SpecReader.parse(SPEC_B)).join());
        assertTrue(e.getMessage().contains("rolled back"), e.getMessage());
      }
      assertTrue(calls.get() >= 2, "the fault was reached");
      assertEquals(before, snapshot(sb, q, vm));
    }
  }

  @Test
  void aFailureRightAfterAThreadGroupsMkdirLeavesNoHalfCreatedGroup() throws Exception {
    try (Testbed bed = Testbed.start("rollback", state, "2,maxcpus=4", 1, 2)) {
      CgroupSandbox sb = bed.sandbox();
      QemuProcess q = bed.qemu();
      Qtune qtune = bed.qtune();
      Vm vm = qtune.attach(q.socket(), ParityTest.spec()).join();
      Map<String, String> before = snapshot(sb, q, vm);
      AtomicBoolean made = new AtomicBoolean();
      // the first write after iothread3's mkdir (v1: cpuset inheritance; v2: cgroup.type)
      try (AutoCloseable f = KernelFaults.install((op, target, value) -> {
        if (op.equals("mkdir") && target.endsWith("/iothread3")) {
          made.set(true);
          return null;
        }
        return op.equals("write") && made.get() && target.contains("/iothread3/") ? Errno.ENOSPC : null;
      })) {
        failed(() -> vm.apply(SpecReader.parse(SPEC_B)).join());
      }
      assertTrue(made.get(), "the fault was reached");
      assertEquals(List.of(), groupsNamed(sb, "iothread3"));
      assertEquals(before, snapshot(sb, q, vm));
    }
  }

  @Test
  void aFailureAfterQemuMovedIntoItsNewDomainGroupLeavesNoGroup() throws Exception {
    try (Testbed bed = Testbed.start("rollback", state, "2,maxcpus=4", 1, 2)) {
      CgroupSandbox sb = bed.sandbox();
      QemuProcess q = bed.qemu();
      Qtune qtune = bed.qtune();
      String cgroupBefore = ThreadProbe.cgroup(q.pid(), q.pid(), "cpuset");
      AtomicBoolean moved = new AtomicBoolean();
      String pid = String.valueOf(q.pid());
      try (AutoCloseable f = KernelFaults.install((op, target, value) -> {
        if (op.equals("write") && pid.equals(value) && target.endsWith("cgroup.procs")) {
          moved.set(true);
          return null;
        }
        return op.equals("write") && moved.get() ? Errno.EINVAL : null;
      })) {
        CompletionException e = assertThrows(CompletionException.class,
            () -> qtune.attach(q.socket(), ParityTest.spec()).join());
        assertInstanceOf(QtuneException.class, e.getCause());
      }
      assertTrue(moved.get(), "the fault was reached");
      assertEquals(cgroupBefore, ThreadProbe.cgroup(q.pid(), q.pid(), "cpuset"), "QEMU is back where it was");
      assertEquals(List.of(), domainGroups(sb), "no domain group left");
      assertEquals(List.of(), listState(), "no state record left");
    }
  }

  @Tag("lanes")
  @Test
  void aFailedSetvcpusRemovesTheNewGroupEvenWithItsThreadInside() throws Exception {
    try (Testbed bed = Testbed.start("rollback", state, "2,maxcpus=4", 1, 2)) {
      CgroupSandbox sb = bed.sandbox();
      QemuProcess q = bed.qemu();
      Qtune qtune = bed.qtune();
      Vm vm = qtune.attach(q.socket(), SpecReader.parse(
          "{\"name\": \"vm1\", \"vcpusched\": [{\"vcpus\": \"0-3\", \"scheduler\": \"batch\"}]}")).join();
      AtomicBoolean reached = new AtomicBoolean();
      // the new vCPU's scheduler: its thread is already inside vcpu2 by then
      try (AutoCloseable f = KernelFaults.install((op, target, value) -> {
        if (op.equals("sched_setscheduler")) {
          reached.set(true);
          return Errno.EPERM;
        }
        return null;
      })) {
        failed(() -> vm.vcpus().setCount(3).join());
      }
      assertTrue(reached.get(), "the fault was reached");
      assertEquals(List.of(), groupsNamed(sb, "vcpu2"));
    }
  }

  private List<String> listState() throws IOException {
    try (Stream<Path> s = Files.list(state)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).toList();
    }
  }

  static List<Path> groupsNamed(CgroupSandbox sb, String name) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path d : sb.dirs()) {
      try (Stream<Path> s = Files.walk(d)) {
        s.filter(Files::isDirectory).filter(p -> p.getFileName().toString().equals(name)).forEach(out::add);
      }
    }
    return out;
  }

  static List<Path> domainGroups(CgroupSandbox sb) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path d : sb.dirs()) {
      try (Stream<Path> s = Files.list(d)) {
        s.filter(Files::isDirectory).forEach(out::add);
      }
    }
    return out;
  }
}
