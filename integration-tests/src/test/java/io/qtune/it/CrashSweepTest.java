package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.qtune.testkit.CgroupDump;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import io.qtune.it.QtuneCommand.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The qtune process dies mid-operation (issue 11, section 2): {@code ./qtune apply} and
 * {@code ./qtune launch} SIGKILL themselves right after their k-th changing kernel call
 * (QTUNE_TEST_KILL_AT_KERNEL_CALL, test only); then a fresh {@code ./qtune apply} of the same spec
 * converges to exactly what a clean run gives (groups, values, members and affinities by thread
 * role), with no duplicate or stray group, and once QEMU is gone {@code ./qtune gc} leaves nothing
 * under the partition and no record in the state directory. k runs over every call up to
 * {@code qtune.crash.dense} (default 4: the domain group) and then
 * every {@code qtune.crash.step}-th (default 16) until the operation completes; {@code
 * -Dqtune.crash.step=1} sweeps every k. Also: a manager restart (a JVM killed -9, another attaches).
 */
class CrashSweepTest {
  static final String KILL_AT = "QTUNE_TEST_KILL_AT_KERNEL_CALL";
  static final int DENSE = Integer.getInteger("qtune.crash.dense", 4);
  static final int STEP = Integer.getInteger("qtune.crash.step", 16);

  @TempDir Path tmp;

  static String spec(String name) {
    return """
        {
          "name": "%s",
          "iothreads": [ {"id": 1}, {"id": 2, "poll_max_ns": 32768}, {"id": 3} ],
          "vcpupin": [ {"vcpu": 0, "cpuset": "0"}, {"vcpu": 1, "cpuset": "1"} ],
          "emulatorpin": "1",
          "iothreadpin": [ {"iothread": 1, "cpuset": "1"}, {"iothread": 3, "cpuset": "0"} ],
          "shares": 2048,
          "period": 100000, "quota": 50000,
          "global_period": 100000, "global_quota": 180000,
          "emulator_period": 200000, "emulator_quota": 60000,
          "iothread_period": 100000, "iothread_quota": 40000,
          "vcpusched": [ {"vcpus": "0-1", "scheduler": "batch"} ]
        }
        """.formatted(name);
  }

  static int next(int k) {
    return k < DENSE ? k + 1 : k + STEP;
  }

  /** Runs {@code ./qtune ARGS} with the kill point set (k < 0: none); waits for it to exit. */
  static Result run(QtuneCommand c, int k, String... args) {
    try {
      ProcessBuilder pb = c.builder(args);
      if (k >= 0) {
        pb.environment().put(KILL_AT, Integer.toString(k));
      }
      Process p = pb.start();
      CompletableFuture<String> out = QtuneCommand.drain(p.getInputStream());
      CompletableFuture<String> err = QtuneCommand.drain(p.getErrorStream());
      p.getOutputStream().close();
      if (!p.waitFor(TestTime.millis(60), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("qtune " + String.join(" ", args) + " did not finish");
      }
      return new Result(p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The partition's groups with values and members, and every QEMU thread's affinity, with the VM's
   * directory and thread IDs replaced by role names (thread names), so two QEMUs compare.
   */
  static Map<String, String> normalized(CgroupSandbox sb, int pid) {
    Map<Integer, String> role = new TreeMap<>();
    for (int tid : ThreadProbe.tasks(pid)) {
      try {
        role.put(tid, ThreadProbe.comm(pid, tid));
      } catch (RuntimeException | AssertionError gone) {
        // exited while we looked
      }
    }
    Map<String, String> out = new TreeMap<>();
    for (Path dir : sb.dirs()) {
      CgroupDump.of(List.of(dir)).forEach((file, value) -> {
        Path rel = dir.relativize(Path.of(file));
        String key = dir.getParent().getFileName() + "/" + (rel.getNameCount() > 1
            ? "<vm>/" + rel.subpath(1, rel.getNameCount()) : rel.toString());
        String name = Path.of(file).getFileName().toString();
        if (name.equals("tasks") || name.equals("cgroup.procs") || name.equals("cgroup.threads")) {
          value = String.join(",", value.lines().filter(l -> !l.isBlank())
              .map(l -> role.getOrDefault(Integer.parseInt(l.trim()), "?")).filter(r -> !r.startsWith("worker"))
              .sorted().toList());
        }
        out.put(key, value);
      });
    }
    role.forEach((tid, comm) -> {
      if (!comm.startsWith("worker")) {
        out.merge("affinity " + comm, ThreadProbe.cpusAllowedList(pid, tid), (a, b) -> a + ";" + b);
      }
    });
    out.replaceAll((k, v) -> k.startsWith("affinity ") ? String.join(";", List.of(v.split(";")).stream().sorted().toList()) : v);
    return out;
  }

  static List<String> domains(CgroupSandbox sb) throws IOException {
    List<String> out = new ArrayList<>();
    for (Path d : sb.dirs()) {
      try (Stream<Path> s = Files.list(d)) {
        s.filter(Files::isDirectory).forEach(p -> out.add(p.toString()));
      }
    }
    return out;
  }

  static List<String> records(Path state) throws IOException {
    if (!Files.isDirectory(state)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(state)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted().toList();
    }
  }

  @Test
  void applyKilledAtEveryKernelCallIsConvergedByAFreshApplyAndCollectedByGc() throws Exception {
    Path specFile = tmp.resolve("vmc.json");
    Files.writeString(specFile, spec("vmc"));
    try (CgroupSandbox sb = new CgroupSandbox("crash")) {
      Map<String, String> reference;
      try (QemuProcess q = QemuProcess.start("2,maxcpus=4", 1, 2)) {
        QtuneCommand c = new QtuneCommand("--qmp", q.socket().toString(), "--state-dir",
            tmp.resolve("ref").toString(), "--partition", sb.partition());
        Result r = run(c, -1, "apply", specFile.toString());
        assertEquals(0, r.code(), r.toString());
        reference = normalized(sb, q.pid());
        q.kill();
        assertEquals(0, run(c, -1, "gc").code());
      }
      assertEquals(List.of(), domains(sb), "the reference run left a group");
      int killed = 0;
      for (int k = 0; ; k = next(k)) {
        assertTrue(k < 1000, "apply never completed");
        Path state = tmp.resolve("state-" + k);
        try (QemuProcess q = QemuProcess.start("2,maxcpus=4", 1, 2)) {
          QtuneCommand c = new QtuneCommand("--qmp", q.socket().toString(), "--state-dir", state.toString(),
              "--partition", sb.partition());
          Result r = run(c, k, "apply", specFile.toString());
          boolean completed = r.code() == 0;
          if (!completed) {
            assertEquals(137, r.code(), "k=" + k + ": killed by SIGKILL\n" + r);
            killed++;
            Result fresh = run(c, -1, "apply", specFile.toString());
            assertEquals(0, fresh.code(), "k=" + k + ": the fresh apply\n" + fresh);
          }
          assertEquals(reference, normalized(sb, q.pid()), "k=" + k + ": converged exactly");
          assertEquals(1, domains(sb).stream().map(p -> Path.of(p).getFileName().toString()).distinct().count(),
              "k=" + k + ": one domain group, no duplicate or stray: " + domains(sb));
          q.kill();
          Result gc = run(c, -1, "gc");
          assertEquals(0, gc.code(), gc.toString());
          assertEquals(List.of(), domains(sb), "k=" + k + ": gc left groups");
          assertEquals(List.of(), records(state), "k=" + k + ": gc left records");
          if (completed) {
            System.out.printf("crash sweep: apply completes after %d kernel calls; killed at %d points "
                + "(every k to %d, then every %d)%n", k, killed, DENSE, STEP);
            return;
          }
        }
      }
    }
  }

  @Test
  void launchKilledAtEveryKernelCallLeavesWhatApplyAndGcCleanUp() throws Exception {
    Path specFile = tmp.resolve("vml.json");
    Files.writeString(specFile, spec("vml"));
    try (CgroupSandbox sb = new CgroupSandbox("crash")) {
      int killed = 0;
      int survived = 0;
      for (int k = 0; ; k = next(k)) {
        assertTrue(k < 1000, "launch never completed");
        Path state = tmp.resolve("lstate-" + k);
        String uuid = UUID.randomUUID().toString();
        QtuneCommand c = new QtuneCommand("--state-dir", state.toString(), "--partition", sb.partition());
        List<String> args = new ArrayList<>(List.of("launch", specFile.toString(), "--paused", "--"));
        args.addAll(QemuProcess.baseArgs("2,maxcpus=4"));
        args.addAll(List.of("-object", "iothread,id=iothread1", "-object", "iothread,id=iothread2", "-uuid", uuid));
        ProcessBuilder pb = c.builder(args.toArray(String[]::new));
        pb.environment().put(KILL_AT, Integer.toString(k));
        pb.redirectOutput(tmp.resolve("launch-" + k + ".out").toFile()).redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        boolean completed = false;
        long deadline = System.nanoTime() + TestTime.seconds(60).toNanos();
        while (p.isAlive()) {
          if (Files.readString(tmp.resolve("launch-" + k + ".out")).contains("launched")) {
            completed = true;
            break;
          }
          assertTrue(System.nanoTime() < deadline, "k=" + k + ": launch neither died nor launched");
          Thread.sleep(20);
        }
        try {
          if (!completed) {
            assertEquals(137, p.exitValue(), "k=" + k + ": " + Files.readString(tmp.resolve("launch-" + k + ".out")));
            killed++;
            List<Integer> qemu = pidsWith(uuid);
            if (!qemu.isEmpty()) {
              // QEMU outlived its launcher: a fresh apply on its socket converges it
              survived++;
              Result fresh = run(new QtuneCommand("--qmp", state.resolve("vml.qmp").toString(), "--state-dir",
                  state.toString(), "--partition", sb.partition()), -1, "apply", specFile.toString());
              assertEquals(0, fresh.code(), "k=" + k + ": the fresh apply\n" + fresh);
              assertEquals(1, domains(sb).size() / Math.max(1, sb.dirs().size()),
                  "k=" + k + ": one domain group: " + domains(sb));
            }
          }
        } finally {
          if (completed) {
            p.destroy(); // SIGTERM: the launcher stops its VM
            p.waitFor(TestTime.millis(30), TimeUnit.MILLISECONDS);
          }
          for (int pid : pidsWith(uuid)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
          }
          long until = System.nanoTime() + TestTime.seconds(10).toNanos();
          while (!pidsWith(uuid).isEmpty() && System.nanoTime() < until) {
            Thread.sleep(10);
          }
        }
        Result gc = run(c, -1, "gc");
        assertEquals(0, gc.code(), gc.toString());
        assertEquals(List.of(), domains(sb), "k=" + k + ": gc left groups");
        assertEquals(List.of(), records(state).stream().filter(n -> !n.endsWith(".log")).toList(),
            "k=" + k + ": gc left records or sockets");
        if (completed) {
          System.out.printf("crash sweep: launch completes after %d kernel calls; killed at %d points, "
              + "QEMU outlived the launcher at %d (every k to %d, then every %d)%n", k, killed, survived, DENSE, STEP);
          return;
        }
      }
    }
  }

  /** Processes whose command line holds {@code marker} (the launched QEMU). */
  static List<Integer> pidsWith(String marker) throws IOException {
    List<Integer> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      for (Path p : s.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
          if (cmd.contains(marker) && cmd.startsWith("qemu-system")) {
            out.add(Integer.parseInt(p.getFileName().toString()));
          }
        } catch (IOException gone) {
          // exited
        }
      }
    }
    return out;
  }

  /**
   * A manager restart: one JVM attaches and watches, is killed -9; a second JVM attaches by socket:
   * no duplicate groups, the live tuning read back from the kernel, live operations work.
   */
  @Test
  void aSecondJvmTakesOverFromOneKilledMinusNine() throws Exception {
    Path specFile = tmp.resolve("vmr.json");
    Files.writeString(specFile, spec("vmr"));
    try (CgroupSandbox sb = new CgroupSandbox("crash");
        QemuProcess q = QemuProcess.start("2,maxcpus=4", 1, 2)) {
      QtuneCommand c = new QtuneCommand("--qmp", q.socket().toString(), "--state-dir",
          tmp.resolve("state").toString(), "--partition", sb.partition());
      Process first = c.builder("apply", "--watch", specFile.toString())
          .redirectOutput(tmp.resolve("first.out").toFile()).redirectErrorStream(true).start();
      long deadline = System.nanoTime() + TestTime.seconds(60).toNanos();
      while (domains(sb).isEmpty() || ThreadProbe.cpusAllowedList(q.pid(), vcpuTid(q.pid(), 1)).equals("0-1")) {
        assertTrue(first.isAlive(), Files.readString(tmp.resolve("first.out")));
        assertTrue(System.nanoTime() < deadline, "the first JVM did not place the VM");
        Thread.sleep(20);
      }
      Thread.sleep(TestTime.millis(1)); // let it finish its last writes before the kill is not needed:
      // the kill may land anywhere; the second JVM must cope either way
      first.destroyForcibly(); // SIGKILL
      first.waitFor();
      Map<String, String> placedByFirst = normalized(sb, q.pid());
      Result second = run(c, -1, "apply", specFile.toString());
      assertEquals(0, second.code(), second.toString());
      Map<String, String> after = normalized(sb, q.pid());
      assertEquals(1, domains(sb).stream().map(p -> Path.of(p).getFileName().toString()).distinct().count(),
          "one domain group: " + domains(sb));
      assertTrue(after.keySet().containsAll(placedByFirst.keySet()) || placedByFirst.keySet().containsAll(after.keySet()),
          "the same groups");
      // the live tuning is read back from the kernel by a JVM that never placed it
      Result pins = run(c, -1, "vcpupin");
      assertEquals(0, pins.code(), pins.toString());
      assertTrue(pins.out().matches("(?s).*\\b0\\s+0\\b.*") && pins.out().matches("(?s).*\\b1\\s+1\\b.*"), pins.out());
      Result sched = run(c, -1, "schedinfo");
      assertTrue(sched.out().contains("vcpu_quota") && sched.out().contains("50000"), sched.out());
      // live operations work
      assertEquals(0, run(c, -1, "vcpupin", "0", "1").code());
      assertEquals("1", ThreadProbe.cpusAllowedList(q.pid(), vcpuTid(q.pid(), 0)));
      assertEquals(0, run(c, -1, "iothreadadd", "7").code());
      assertEquals(0, run(c, -1, "iothreaddel", "7").code());
      q.kill();
      assertEquals(0, run(c, -1, "gc").code());
      assertEquals(List.of(), domains(sb));
    }
  }

  /** The thread of vCPU {@code i} by its name ("CPU i/TCG" or "CPU i/KVM"). */
  static int vcpuTid(int pid, int i) {
    for (int tid : ThreadProbe.tasks(pid)) {
      if (ThreadProbe.comm(pid, tid).startsWith("CPU " + i + "/")) {
        return tid;
      }
    }
    throw new AssertionError("no thread for vCPU " + i);
  }
}
