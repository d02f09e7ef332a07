package io.qtune.core;

import io.qtune.core.testing.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.testing.CgroupSandbox;
import io.qtune.core.testing.LyingQmpServer;
import io.qtune.core.testing.QemuProcess;
import io.qtune.core.testing.ThreadProbe;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lying QMP peer and a QEMU killed mid-operation: typed errors, nothing touched, nothing left. */
@Tag("v2")
class SafetyTest {
  @TempDir Path state;

  @Test
  void foreignThreadIdIsRejectedAndThatThreadIsUntouched() throws Exception {
    Process victim = new ProcessBuilder("sleep", "60").start();
    int vpid = (int) victim.pid();
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        LyingQmpServer liar = new LyingQmpServer(state.resolve("liar.sock"), Map.of(
            "query-cpus-fast", "[{\"cpu-index\": 0, \"qom-path\": \"/machine/unattached/device[0]\", "
                + "\"thread-id\": " + vpid + ", \"target\": \"x86_64\"}]",
            "query-iothreads", "[]", "query-name", "{\"name\": \"liar\"}"));
        Qtune qtune = Qtune.create(TestTime.options().withPartition(sb.partition()).withStateDir(state))) {
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
        Qtune qtune = Qtune.create(TestTime.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.attach(q.socket(), io.qtune.core.spec.SpecReader.parse("{\"name\":\"stale\"}")).join();
      int tid = vm.threads().iothread(2).tid();
      // someone else removes the iothread through QMP: qtune's discovery is now stale, and the
      // thread ID is free for the kernel to hand to any other process
      vm.qmp().objectDel("iothread2").join();
      org.awaitility.Awaitility.await().atMost(TestTime.seconds(5))
          .until(() -> !java.nio.file.Files.exists(Path.of("/proc/" + q.pid() + "/task/" + tid)));
      var before = io.qtune.core.testing.CgroupDump.of(sb.dirs());
      CompletionException e = assertThrows(CompletionException.class, () -> vm.pinIothread(2, "0").join());
      assertInstanceOf(ForeignThreadException.class, e.getCause());
      assertEquals(before, io.qtune.core.testing.CgroupDump.of(sb.dirs()), "nothing written");
      // and the next operation sees QEMU as it is now
      CompletionException gone = assertThrows(CompletionException.class, () -> vm.pinIothread(2, "0").join());
      assertTrue(gone.getCause().getMessage().contains("iothread 2 not found"), gone.getCause().getMessage());
    }
  }

  @Test
  void sigkillDuringAttachLeavesNoGroup() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q = QemuProcess.start("8", 1, 2);
        Qtune qtune = Qtune.create(TestTime.options().withPartition(sb.partition()).withStateDir(state))) {
      CompletableFuture<Vm> attach = qtune.attach(q.socket(), ParityTest.spec());
      // SIGKILL as soon as placement has started (the domain group appears), or right away
      long deadline = System.nanoTime() + TestTime.seconds(10).toNanos();
      while (sb.dirs().isEmpty() && !attach.isDone() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      q.kill();
      Vm vm = null;
      try {
        vm = attach.join();
      } catch (CompletionException e) {
        assertInstanceOf(QtuneException.class, e.getCause(), e.getCause().toString());
      }
      if (vm != null) {
        // placement won the race: the VM's death must still remove its groups
        vm.exited().get(TestTime.millis(20), java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      assertNoGroupsLeft(sb);
    }
  }

  @Test
  void sigkillDuringLaunchGivesATypedErrorAndNoGroup() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        Qtune qtune = Qtune.create(TestTime.options().withPartition(sb.partition()).withStateDir(state))) {
      List<String> args = QemuProcess.baseArgs("8");
      args.addAll(List.of("-pidfile", state.resolve("victim.pid").toString()));
      CompletableFuture<Vm> launch = qtune.launch(ParityTest.spec(), args, TestTime.launch());
      long deadline = System.nanoTime() + TestTime.seconds(20).toNanos();
      Integer pid = null;
      while (pid == null && System.nanoTime() < deadline && !launch.isDone()) {
        pid = findQemu(state.resolve("victim.pid").toString());
      }
      if (pid != null) {
        new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();
      }
      Vm vm = null;
      try {
        vm = launch.join();
      } catch (CompletionException e) {
        assertInstanceOf(QtuneException.class, e.getCause(), e.getCause().toString());
      }
      if (vm != null) {
        vm.exited().get(TestTime.millis(20), java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      assertNoGroupsLeft(sb);
    }
  }

  private static Integer findQemu(String marker) {
    try (var procs = java.nio.file.Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = java.nio.file.Files.readString(p.resolve("cmdline")).replace('\0', ' ');
          if (cmd.startsWith("qemu-system") && cmd.contains(marker)) {
            return Integer.parseInt(p.getFileName().toString());
          }
        } catch (Exception ignored) {
          // raced
        }
      }
    } catch (Exception ignored) {
      // raced
    }
    return null;
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
