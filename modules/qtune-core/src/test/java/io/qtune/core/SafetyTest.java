package io.qtune.core;

import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.LyingQmpServer;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lying QMP peer and a QEMU killed mid-operation: typed errors, nothing touched, nothing left. */
@Tag("v2")
class SafetyTest {
  @TempDir Path state;

  @Tag("lanes")
  @Test
  void foreignThreadIdIsRejectedAndThatThreadIsUntouched() throws Exception {
    Process victim = new ProcessBuilder("sleep", "60").start();
    int vpid = (int) victim.pid();
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        LyingQmpServer liar = new LyingQmpServer(state.resolve("liar.sock"), Map.of(
            "query-cpus-fast", "[{\"cpu-index\": 0, \"qom-path\": \"/machine/unattached/device[0]\", "
                + "\"thread-id\": " + vpid + ", \"target\": \"x86_64\"}]",
            "query-iothreads", "[]", "query-name", "{\"name\": \"liar\"}"));
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      String affinityBefore = ThreadProbe.cpusAllowedList(vpid, vpid);
      String cpusetBefore = ThreadProbe.cgroup(vpid, vpid, "cpuset");
      CompletionException e = assertThrows(CompletionException.class,
          () -> qtune.attach(liar.socket(), io.qtune.core.spec.SpecReader.parse(
              "{\"name\":\"liar\",\"vcpupin\":[{\"vcpu\":0,\"cpuset\":\"0\"}]}")).join());
      assertInstanceOf(ForeignThreadException.class, e.getCause());
      assertTrue(e.getCause().getMessage().contains(String.valueOf(vpid)), e.getCause().getMessage());
      assertEquals(affinityBefore, ThreadProbe.cpusAllowedList(vpid, vpid));
      assertEquals(cpusetBefore, ThreadProbe.cgroup(vpid, vpid, "cpuset"));
      assertEquals(List.of(), sb.dirs(), "no group was created");
    } finally {
      victim.destroyForcibly();
      victim.waitFor(TestTime.millis(5), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  @Test
  void aThreadThatWentAwayBehindQtunesBackIsNotTouched() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q = QemuProcess.start("2", 1, 2);
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.attach(q.socket(), io.qtune.core.spec.SpecReader.parse("{\"name\":\"stale\"}")).join();
      int tid = vm.threads().iothread(2).tid();
      // someone else removes the iothread through QMP: qtune's discovery is now stale, and the
      // thread ID is free for the kernel to hand to any other process
      vm.qmp().objectDel("iothread2").join();
      org.awaitility.Awaitility.await().atMost(TestTime.seconds(5))
          .until(() -> !java.nio.file.Files.exists(Path.of("/proc/" + q.pid() + "/task/" + tid)));
      var before = io.qtune.testkit.CgroupDump.of(sb.dirs());
      CompletionException e = assertThrows(CompletionException.class, () -> vm.pins().iothread(2, "0").join());
      assertInstanceOf(ForeignThreadException.class, e.getCause());
      assertEquals(before, io.qtune.testkit.CgroupDump.of(sb.dirs()), "nothing written");
      // and the next operation sees QEMU as it is now
      CompletionException gone = assertThrows(CompletionException.class, () -> vm.pins().iothread(2, "0").join());
      assertTrue(gone.getCause().getMessage().contains("iothread 2 not found"), gone.getCause().getMessage());
    }
  }

  /**
   * QEMU is killed right after the attach created its domain group, before a single thread group
   * exists (a seam in the placement, so the kill lands there every time): the attach must fail
   * with a typed error and leave no group and no state record.
   */
  @Test
  void sigkillDuringAttachLeavesNoGroup() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q = QemuProcess.start("8", 1, 2);
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      List<List<String>> groupsAtKill = new CopyOnWriteArrayList<>();
      qtune.afterDomainCreated = () -> {
        groupsAtKill.add(groupsUnder(sb));
        q.kill(); // waits until QEMU is reaped: every thread ID the attach discovered is gone
      };
      CompletableFuture<Vm> attach = qtune.attach(q.socket(), ParityTest.spec());
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> attach.get(TestTime.millis(30), TimeUnit.MILLISECONDS), "the attach must fail, not succeed");
      assertEquals(1, groupsAtKill.size(), "QEMU was killed once, mid-attach");
      assertFalse(groupsAtKill.get(0).isEmpty(), "the domain group existed when QEMU died");
      assertFalse(q.process().isAlive());
      assertInstanceOf(QtuneException.class, e.getCause(), e.getCause().toString());
      assertTrue(e.getCause().getMessage().startsWith("placing VM 'vm1' failed"), e.getCause().getMessage());
      assertNoGroupsLeft(sb);
      assertEquals(List.of(), qtune.state().all(), "no state record");
    }
  }

  /**
   * The launched process is SIGKILLed as soon as it sits in its new domain group (still the
   * waiting shell, or QEMU if it already executed): long before QEMU could answer QMP, so the kill
   * always lands mid-launch. The launch must fail with a typed error that says QEMU was killed,
   * and leave no group, no state record and no socket.
   */
  @Tag("lanes")
  @Test
  void sigkillDuringLaunchGivesATypedErrorAndNoGroup() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      CompletableFuture<Vm> launch = qtune.launch(ParityTest.spec(), QemuProcess.baseArgs("8"), TestOptions.launch());
      int pid = awaitMemberOfAGroup(sb, launch);
      assertFalse(launch.isDone(), "the launch is still running when its process is killed");
      new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> launch.get(TestTime.millis(30), TimeUnit.MILLISECONDS), "the launch must fail, not succeed");
      assertInstanceOf(QtuneException.class, e.getCause(), e.getCause().toString());
      String msg = e.getCause().getMessage();
      assertTrue(msg.startsWith("launching VM 'vm1' failed") && msg.contains("status 137"),
          "the error names the kill (128 + SIGKILL): " + msg);
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " is gone");
      assertNoGroupsLeft(sb);
      assertEquals(List.of(), qtune.state().all(), "no state record");
      assertFalse(java.nio.file.Files.exists(state.resolve("vm1.json")));
      assertFalse(java.nio.file.Files.exists(state.resolve("vm1.qmp")), "QMP socket removed");
    }
  }

  /** Group directories below the sandbox's partition, relative to it, in every hierarchy. */
  private static List<String> groupsUnder(CgroupSandbox sb) {
    List<String> out = new ArrayList<>();
    for (Path dir : sb.dirs()) {
      try (var s = java.nio.file.Files.walk(dir)) {
        s.filter(p -> !p.equals(dir) && java.nio.file.Files.isDirectory(p))
            .forEach(p -> out.add(dir.relativize(p).toString()));
      } catch (java.io.IOException | java.io.UncheckedIOException e) {
        // a group removed while walking
      }
    }
    return out;
  }

  /** The first process found in a group below the partition (polled every millisecond). */
  private static int awaitMemberOfAGroup(CgroupSandbox sb, CompletableFuture<Vm> op) throws Exception {
    long deadline = System.nanoTime() + TestTime.seconds(20).toNanos();
    while (System.nanoTime() < deadline && !op.isDone()) {
      for (Path dir : sb.dirs()) {
        try (var s = java.nio.file.Files.walk(dir)) {
          for (Path procs : s.filter(p -> p.getFileName().toString().equals("cgroup.procs")
              && !p.getParent().equals(dir)).toList()) {
            String text = java.nio.file.Files.readString(procs).trim();
            if (!text.isEmpty()) {
              return Integer.parseInt(text.split("\n")[0].trim());
            }
          }
        } catch (java.io.IOException | java.io.UncheckedIOException raced) {
          // a group created or removed while walking
        }
      }
      Thread.sleep(1);
    }
    throw new AssertionError("no process appeared in a group under " + sb.partition()
        + (op.isDone() ? " before the operation ended: " + op : " in time"));
  }

  private static void assertNoGroupsLeft(CgroupSandbox sb) {
    org.awaitility.Awaitility.await().atMost(TestTime.seconds(10)).until(() ->
        sb.dirs().stream().allMatch(p -> {
          try (var s = java.nio.file.Files.list(p)) {
            return s.noneMatch(java.nio.file.Files::isDirectory);
          } catch (java.io.IOException e) {
            return true;
          }
        }));
  }
}
