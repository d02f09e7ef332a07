package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing that is not qtune's is touched: gc removes only groups of VMs qtune recorded whose QEMU
 * is gone; a second launch never takes over a running VM's files; a reused pid is never signalled;
 * the state directory is private.
 */
@Tag("v2")
class OwnershipTest {
  @TempDir Path state;

  @Test
  void gcLeavesGroupsItDidNotCreate() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "600").start();
    try (CgroupSandbox sb = new CgroupSandbox("gc");
        QemuProcess q = QemuProcess.start("1");
        QemuProcess gone = QemuProcess.start("1");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      qtune.attach(q.socket(), SpecReader.parse("{\"name\": \"live\"}")).join();
      try (Qtune other = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
        other.attach(gone.socket(), SpecReader.parse("{\"name\": \"gone\"}")).join().close();
      }
      // libvirt's VM on the same host (empty: between start and its first thread), libvirt's with
      // a process, and a group another qtune process has just made and not filled yet
      List<String> foreign = List.of("qemu-7-libvirts.libvirt-qemu", "qemu-8-busy.libvirt-qemu",
          "qemu-9-unfilled.libvirt-qemu");
      for (Path dir : sb.dirs()) {
        for (String f : foreign) {
          Files.createDirectory(dir.resolve(f));
        }
      }
      moveInto(sb, "qemu-8-busy.libvirt-qemu", (int) sleeper.pid());
      gone.kill();

      List<String> removed = qtune.gc();

      assertEquals(1, removed.size(), removed.toString());
      assertTrue(removed.get(0).contains("qemu-2-gone"), removed.toString());
      for (Path dir : sb.dirs()) {
        for (String f : foreign) {
          assertTrue(Files.isDirectory(dir.resolve(f)), dir.resolve(f) + " was removed");
        }
        assertFalse(Files.exists(dir.resolve("qemu-2-gone.libvirt-qemu")), "the gone VM's group stays");
        assertTrue(Files.isDirectory(dir.resolve("qemu-1-live.libvirt-qemu")), "the live VM's group went");
      }
      assertTrue(qtune.state().find("live").isPresent());
      assertTrue(qtune.state().find("gone").isEmpty(), "the gone VM's record stays");
    } finally {
      sleeper.destroyForcibly();
      sleeper.waitFor(TestTime.millis(10), TimeUnit.MILLISECONDS);
    }
  }

  @Test
  void gcRacingLaunchesRemovesNothingLive() throws Exception {
    int n = TestTime.SCALE > 1 ? 4 : 20;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Vm> vms = new ArrayList<>();
    try (CgroupSandbox sb = new CgroupSandbox("gcrace");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      try {
        List<CompletableFuture<Vm>> launches = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          String name = "race" + i;
          launches.add(CompletableFuture.supplyAsync(() -> qtune.launch(SpecReader.parse(
              "{\"name\": \"" + name + "\"}"), QemuProcess.baseArgs("1"), TestOptions.launch().paused()).join(), pool));
        }
        AtomicBoolean done = new AtomicBoolean();
        CompletableFuture<Integer> gc = CompletableFuture.supplyAsync(() -> {
          int rounds = 0;
          while (!done.get()) {
            qtune.gc();
            rounds++;
          }
          return rounds;
        });
        for (CompletableFuture<Vm> l : launches) {
          vms.add(l.join());
        }
        done.set(true);
        assertTrue(gc.join() > 0);
        for (Vm vm : vms) {
          assertTrue(ThreadProbe.cgroup(vm.pid(), vm.pid(), "cpuset").startsWith(vm.domainPath() + "/"),
              vm + " is out of its group");
          assertTrue(qtune.state().find(vm.name()).isPresent(), vm + " lost its record");
        }
      } finally {
        for (Vm vm : vms) {
          vm.destroy().get(TestTime.millis(30), TimeUnit.MILLISECONDS);
        }
        pool.shutdownNow();
      }
    }
  }

  @Test
  void launchRefusesANameThatIsRunningAndTouchesNothingOfIt() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("dup");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm first = qtune.launch(SpecReader.parse("{\"name\": \"dup\"}"), QemuProcess.baseArgs("1"),
          TestOptions.launch().paused()).join();
      try {
        Path socket = state.resolve("dup.qmp");
        Object inode = Files.getAttribute(socket, "unix:ino");
        String record = Files.readString(state.resolve("dup.json"));
        long logSize = Files.size(state.resolve("dup.log"));

        CompletionException e = refused(qtune.launch(SpecReader.parse("{\"name\": \"dup\"}"),
            QemuProcess.baseArgs("1"), TestOptions.launch().paused()));
        assertInstanceOf(InvalidInputException.class, e.getCause(), String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().contains("a VM named 'dup' is running, pid " + first.pid()),
            e.getCause().getMessage());

        assertEquals(inode, Files.getAttribute(socket, "unix:ino"), "the running VM's socket was replaced");
        assertEquals(record, Files.readString(state.resolve("dup.json")));
        assertEquals(logSize, Files.size(state.resolve("dup.log")));
        assertEquals(first.pid(), qtune.state().find("dup").orElseThrow().pid(), "--name still names the first VM");
        assertFalse(first.qmp().queryStatus().join().running(), "the first VM still answers on its socket");
      } finally {
        first.destroy().get(TestTime.millis(30), TimeUnit.MILLISECONDS);
      }
    }
  }

  @Test
  void destroyNeverSignalsAProcessThatReusedQemusPid() throws Exception {
    Process impostor = null;
    try (CgroupSandbox sb = new CgroupSandbox("pidreuse");
        QemuProcess q = QemuProcess.start("1");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.attach(q.socket(), SpecReader.parse("{\"name\": \"reuse\"}")).join();
      int pid = q.pid();
      q.kill();
      vm.exited().get(TestTime.millis(30), TimeUnit.MILLISECONDS);
      impostor = spawnWithPid(pid);
      org.junit.jupiter.api.Assumptions.assumeTrue(impostor != null, "could not get pid " + pid + " reused");

      vm.destroy().get(TestTime.millis(30), TimeUnit.MILLISECONDS);

      assertFalse(impostor.waitFor(TestTime.millis(1), TimeUnit.MILLISECONDS), "the process now at pid "
          + pid + " was killed");
      assertTrue(impostor.isAlive());
    } finally {
      if (impostor != null) {
        impostor.destroyForcibly();
        impostor.waitFor(TestTime.millis(10), TimeUnit.MILLISECONDS);
      }
    }
  }

  @Test
  void theStateDirectoryIsPrivateAndNeverALink() throws Exception {
    Path dir = state.resolve("run");
    try (CgroupSandbox sb = new CgroupSandbox("perm");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(dir))) {
      Vm vm = qtune.launch(SpecReader.parse("{\"name\": \"priv\"}"), QemuProcess.baseArgs("1"),
          TestOptions.launch().paused()).join();
      try {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("priv.json"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("priv.log"))));
      } finally {
        vm.destroy().get(TestTime.millis(30), TimeUnit.MILLISECONDS);
      }
    }
    Path target = Files.createDirectories(state.resolve("elsewhere"));
    Path link = Files.createSymbolicLink(state.resolve("link"), target);
    try (CgroupSandbox sb = new CgroupSandbox("perm");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(link))) {
      CompletionException e = refused(qtune.launch(
          SpecReader.parse("{\"name\": \"priv\"}"), QemuProcess.baseArgs("1"), TestOptions.launch().paused()));
      assertInstanceOf(InvalidInputException.class, e.getCause(), String.valueOf(e.getCause()));
      assertTrue(e.getCause().getMessage().contains("symbolic link"), e.getCause().getMessage());
      try (var s = Files.list(target)) {
        assertEquals(0, s.count(), "nothing written through the link");
      }
      assertTrue(Files.isSymbolicLink(link), "the link itself is left alone");
    }
  }

  @Test
  void aStateDirectoryWithACommaDoesNotInjectQmpOptions() throws Exception {
    Path dir = state.resolve("st,server=off");
    try (CgroupSandbox sb = new CgroupSandbox("comma");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(dir))) {
      Vm vm = qtune.launch(SpecReader.parse("{\"name\": \"c\"}"), QemuProcess.baseArgs("1"),
          TestOptions.launch().paused()).join();
      try {
        assertTrue(Files.exists(dir.resolve("c.qmp")), "the socket is where the state directory says");
        assertFalse(vm.qmp().queryStatus().join().running(), "QEMU answers on that socket");
      } finally {
        vm.destroy().get(TestTime.millis(30), TimeUnit.MILLISECONDS);
      }
    }
  }

  @Test
  void placementNeverMovesAProcessThatReusedADiscoveredThreadId() throws Exception {
    Process[] impostor = new Process[1];
    try (CgroupSandbox sb = new CgroupSandbox("tidreuse");
        QemuProcess q = QemuProcess.start("2", 1, 2);
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.attach(q.socket(), ParityTest.spec()).join();
      int tid = vm.threads().iothread(2).tid();
      AtomicBoolean swapped = new AtomicBoolean();
      // after discovery, before the attach burst: iothread2 exits and its TID goes to another process
      try (AutoCloseable f = io.qtune.host.KernelFaults.install((op, target, value) -> {
        if (op.equals("write") && swapped.compareAndSet(false, true)) {
          try {
            vm.qmp().objectDel("iothread2").join();
            org.awaitility.Awaitility.await().atMost(TestTime.seconds(10))
                .until(() -> !Files.exists(Path.of("/proc/" + q.pid() + "/task/" + tid)));
            impostor[0] = spawnWithPid(tid);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
        return null;
      })) {
        CompletionException e = assertThrows(CompletionException.class, () -> vm.apply(SpecReader.parse(
            ParityTest.SPEC.replace("\"iothreadpin\": [ {\"iothread\": 1, \"cpuset\": \"1\"} ]",
                "\"iothreadpin\": [ {\"iothread\": 1, \"cpuset\": \"0\"} ]"))).join());
        org.junit.jupiter.api.Assumptions.assumeTrue(impostor[0] != null, "could not get tid " + tid + " reused");
        assertInstanceOf(QtuneException.class, e.getCause(), String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().contains(String.valueOf(tid)), e.getCause().getMessage());
      }
      int ipid = (int) impostor[0].pid();
      assertFalse(ThreadProbe.cgroup(ipid, ipid, "cpuset").contains(vm.domainPath()),
          "the process that took the thread's id was moved into the VM's group");
    } finally {
      if (impostor[0] != null) {
        impostor[0].destroyForcibly();
        impostor[0].waitFor(TestTime.millis(10), TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * The error of a launch that must be refused; a launch that succeeds anyway (the bug under test)
   * is destroyed before the assertion fails, so a failing test leaves no QEMU behind.
   */
  static CompletionException refused(CompletableFuture<Vm> launch) throws Exception {
    try {
      return assertThrows(CompletionException.class, launch::join);
    } finally {
      if (!launch.isCompletedExceptionally()) {
        launch.join().destroy().get(TestTime.millis(30), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** A {@code sleep} at {@code pid}, through the kernel's ns_last_pid (as CRIU restores pids). */
  static Process spawnWithPid(int pid) throws IOException, InterruptedException {
    Path last = Path.of("/proc/sys/kernel/ns_last_pid");
    for (int i = 0; i < 50; i++) {
      Files.writeString(last, Integer.toString(pid - 1), StandardOpenOption.WRITE);
      Process p = new ProcessBuilder("sleep", "600").start();
      if (p.pid() == pid) {
        return p;
      }
      p.destroyForcibly();
      p.waitFor();
    }
    return null;
  }

  private static void moveInto(CgroupSandbox sb, String group, int pid) throws IOException {
    for (Path dir : sb.dirs()) {
      Path g = dir.resolve(group);
      for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
        // a v1 cpuset group starts empty and takes no process until it has CPUs and nodes
        if (Files.exists(g.resolve(f)) && Files.readString(g.resolve(f)).isBlank()) {
          Files.writeString(g.resolve(f), Files.readString(dir.resolve(f)).trim(), StandardOpenOption.WRITE);
        }
      }
      Files.writeString(g.resolve("cgroup.procs"), Integer.toString(pid), StandardOpenOption.WRITE);
    }
  }
}
