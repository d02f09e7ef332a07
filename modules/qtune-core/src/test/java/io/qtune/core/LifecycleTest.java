package io.qtune.core;

import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Groups follow the VM's life: removed when QEMU goes, kept while it lives, collected by gc. */
@Tag("v2")
class LifecycleTest {
  @TempDir Path state;

  @Tag("lanes")
  @Test
  void attachedVmsGroupsGoWhenQemuDies() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q = QemuProcess.start("2");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.attach(q.socket(), SpecReader.parse("{\"name\":\"dies\",\"vcpupin\":[{\"vcpu\":0,\"cpuset\":\"1\"}]}")).join();
      CgroupView v = CgroupView.live();
      assertTrue(v.exists(vm.domainPath() + "/vcpu0"));
      assertTrue(qtune.state().find("dies").isPresent(), "recorded for --name");
      q.kill();
      vm.exited().get(TestTime.millis(20), java.util.concurrent.TimeUnit.MILLISECONDS);
      assertFalse(v.existsAnywhere(vm.domainPath()), "domain group removed");
      assertTrue(qtune.state().find("dies").isEmpty(), "state record removed");
    }
  }

  @Tag("lanes")
  @Test
  void gcRemovesGroupsOfVmsThatWentWhileNobodyWatched() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q = QemuProcess.start("2")) {
      String domain;
      CgroupView v = CgroupView.live();
      try (Qtune a = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
        Vm vm = a.attach(q.socket(), SpecReader.parse("{\"name\":\"orphan\"}")).join();
        domain = vm.domainPath();
        vm.close(); // stop watching: the VM keeps running and keeps its groups
      }
      assertTrue(v.exists(domain + "/emulator"), "groups stay while QEMU lives");
      try (Qtune b = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
        assertEquals(List.of(), b.gc(), "a live VM is not collected");
        q.kill();
        List<String> removed = b.gc();
        if (CgroupSandbox.systemd()) {
          // systemd stops the emptied scope and removes its delegated subtree by itself, racing gc
          // (SystemdTest): whichever comes first, at most this one VM group is collected
          assertTrue(removed.isEmpty() || removed.equals(List.of(domain)), removed.toString());
        } else {
          assertEquals(List.of(domain), removed);
        }
      }
      org.awaitility.Awaitility.await().atMost(TestTime.seconds(10)).until(() -> !v.existsAnywhere(domain));
    }
  }

  @Test
  void tcgWithoutThreadPerVcpuPlacesWhatItCanAndSaysSo() {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q = QemuProcess.startWith("tcg,thread=single", "2", List.of());
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.attach(q.socket(), SpecReader.parse("{\"name\":\"tcg\",\"emulatorpin\":\"0\"}")).join();
      assertFalse(vm.threads().perVcpuThreads());
      CgroupView v = CgroupView.live();
      assertFalse(v.existsAnywhere(vm.domainPath() + "/vcpu0"), "no vCPU group without a vCPU thread");
      for (int tid : ThreadProbe.tasks(q.pid())) {
        assertEquals("0", ThreadProbe.cpusAllowedList(q.pid(), tid), "every thread follows emulatorpin");
      }
      CompletionException e = assertThrows(CompletionException.class, () -> vm.pins().vcpu(0, "1").join());
      assertInstanceOf(InvalidInputException.class, e.getCause());
      assertTrue(e.getCause().getMessage().contains("cpu affinity is not supported"), e.getCause().getMessage());
    }
  }

  static Duration t() {
    return TestTime.seconds(10);
  }

  /**
   * A launched QEMU reads /dev/null, as libvirt gives it: no pipe from the launching JVM, so a
   * manager holds no fd per VM, a QEMU reading stdin gets EOF instead of waiting, and no pipe is
   * left for the JDK's reaper to close after destroy() has completed.
   */
  @Test
  void aLaunchedQemuReadsDevNullAndSharesNoPipeWithUs() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.launch(SpecReader.parse("{\"name\":\"stdin\"}"), QemuProcess.baseArgs("1"),
          TestOptions.launch().paused()).join();
      try {
        Path fds = Path.of("/proc", Integer.toString(vm.pid()), "fd");
        assertEquals(Path.of("/dev/null"), java.nio.file.Files.readSymbolicLink(fds.resolve("0")), "QEMU's stdin");
        java.util.Set<String> ours = pipes(Path.of("/proc/self/fd"));
        java.util.Set<String> shared = pipes(fds);
        shared.retainAll(ours);
        assertEquals(java.util.Set.of(), shared, "pipes between this JVM and QEMU");
      } finally {
        vm.destroy().get(TestTime.millis(30), TimeUnit.MILLISECONDS);
      }
    }
  }

  private static java.util.Set<String> pipes(Path fdDir) throws java.io.IOException {
    java.util.Set<String> out = new java.util.HashSet<>();
    try (var s = java.nio.file.Files.list(fdDir)) {
      for (Path fd : s.toList()) {
        try {
          String target = java.nio.file.Files.readSymbolicLink(fd).toString();
          if (target.startsWith("pipe:")) {
            out.add(target);
          }
        } catch (java.io.IOException closed) {
          // closed while listed
        }
      }
    }
    return out;
  }
}
