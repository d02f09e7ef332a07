package io.qtune.it;

import io.qtune.testkit.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.testkit.CgroupDump;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import io.qtune.it.QtuneCommand.Result;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built {@code ./qtune} against a real paused QEMU ({@code -smp 2,maxcpus=4}, iothread1) and the
 * real cgroup filesystem, in a cgroup partition of this run's own: every command's text and JSON,
 * exit statuses 0/1/2, and for every bad input that no cgroup file, membership or affinity changed.
 */
class CliEndToEndTest extends CliAgainstQemu {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CgroupView CG = CgroupView.live();


  // ------------------------------------------------------------------ host

  @Test
  void nodecpumapIsVirshsLayoutOfSysfs() throws Exception {
    String online = ThreadProbe.read(Path.of("/sys/devices/system/cpu/online"));
    int present = lastCpu(ThreadProbe.read(Path.of("/sys/devices/system/cpu/present"))) + 1;
    StringBuilder map = new StringBuilder();
    for (int i = 0; i < present; i++) {
      map.append(inList(online, i) ? 'y' : '-');
    }
    int onlineCount = (int) map.chars().filter(c -> c == 'y').count();
    Result r = ok(new QtuneCommand().run("nodecpumap"));
    assertEquals("CPUs present:   " + present + "\nCPUs online:    " + onlineCount + "\nCPU map:        " + map
        + "\n\n", r.out());
    JsonNode j = json(ok(new QtuneCommand().run("--json", "nodecpumap")));
    assertEquals(present, j.get("cpus_present").asInt());
    assertEquals(onlineCount, j.get("cpus_online").asInt());
    assertEquals(online, j.get("online").asText());
    assertEquals(map.toString(), j.get("map").asText());
  }

  @Test
  void topologyTextAndJson() throws Exception {
    Result r = ok(new QtuneCommand().run("topology"));
    assertTrue(r.out().startsWith("CPU(s):"), r.toString());
    assertTrue(r.out().contains("NUMA node0 CPU(s):"), r.toString());
    JsonNode j = json(ok(new QtuneCommand().run("topology", "--json")));
    for (String k : List.of("logical_cpus", "online", "packages", "cores_per_package", "threads_per_core", "smt",
        "numa_nodes", "isolated")) {
      assertTrue(j.has(k), k + " missing in " + j);
    }
    assertEquals(ThreadProbe.read(Path.of("/sys/devices/system/cpu/online")), j.get("online").asText());
    assertTrue(j.get("numa_nodes").get(0).get("memory_kb").asLong() > 0);
  }

  // ------------------------------------------------------------------ queries

  @Test
  void vcpuinfoShowsTheOnlineVcpusWithTheKernelsAffinity() throws Exception {
    JsonNode j = json(ok(qtune.run("vcpuinfo", "--json")));
    assertEquals(2, j.size(), "the online vCPUs of -smp 2,maxcpus=4, as virsh: " + j);
    for (int i = 0; i < 2; i++) {
      JsonNode v = j.get(i);
      assertEquals(i, v.get("vcpu").asInt());
      int tid = v.get("tid").asInt();
      assertTrue(ThreadProbe.tasks(qemu.pid()).contains(tid), "vcpu tid " + tid + " not a QEMU task");
      assertEquals(ThreadProbe.cpusAllowedList(qemu.pid(), tid), v.get("affinity").asText());
      for (String k : List.of("cpu", "state", "cpu_time_ns")) {
        assertTrue(v.has(k), k);
      }
    }

    String text = ok(qtune.run("vcpuinfo")).out();
    String[] blocks = text.strip().split("\n\n");
    assertEquals(2, blocks.length, text);
    String map = virshMap(j.get(0).get("affinity").asText());
    assertTrue(blocks[0].startsWith("VCPU:           0\nCPU:            "), text);
    assertTrue(blocks[0].endsWith("\nCPU Affinity:   " + map), text);
    assertTrue(text.endsWith("\n\n"), "virsh's blank line after the output");
  }

  @Test
  void vcpupinPinsTheThreadAndItsGroup() throws Exception {
    int tid = vcpuTid(0);
    Result set = ok(qtune.run("vcpupin", "0", "1"));
    assertEquals("\n", set.out());
    assertEquals("1", ThreadProbe.cpusAllowedList(qemu.pid(), tid));
    String domain = domainOf(tid);
    assertEquals("1", CG.cpus(domain + "/vcpu0"));
    assertEquals(List.of(tid), CG.threads(domain + "/vcpu0"));

    String all = "0-" + (hostCpus() - 1);
    assertEquals(" VCPU   CPU Affinity\n----------------------\n 0      1\n 1      " + all + "\n 2      " + all
        + "\n 3      " + all + "\n\n", ok(qtune.run("vcpupin")).out());
    assertEquals(" VCPU   CPU Affinity\n----------------------\n 1      " + all + "\n\n",
        ok(qtune.run("vcpupin", "1")).out());
    JsonNode j = json(ok(qtune.run("--json", "vcpupin")));
    assertEquals("1", j.get(0).get("affinity").asText());
    assertEquals(0, j.get(0).get("vcpu").asInt());
  }

  @Test
  void emulatorpinPinsEveryEmulatorThread() throws Exception {
    ok(qtune.run("emulatorpin", "0"));
    assertEquals("0", ThreadProbe.cpusAllowedList(qemu.pid(), qemu.pid()));
    String domain = domainOf(qemu.pid());
    assertEquals("0", CG.cpus(domain + "/emulator"));
    List<Integer> emulator = CG.threads(domain + "/emulator");
    assertTrue(emulator.contains(qemu.pid()), "QEMU's main thread in the emulator group: " + emulator);
    for (int tid : emulator) { // every one, not only the main thread (a pool worker may exit meanwhile)
      if (Files.exists(Path.of("/proc/" + qemu.pid() + "/task/" + tid))) {
        assertEquals("0", ThreadProbe.cpusAllowedList(qemu.pid(), tid), "emulator thread " + tid);
      }
    }
    assertEquals("emulator: CPU Affinity\n----------------------------------\n       *: 0\n\n",
        ok(qtune.run("emulatorpin")).out());
    assertEquals("0", json(ok(qtune.run("emulatorpin", "--json"))).get("affinity").asText());
  }

  @Test
  void iothreadAddPinInfoDelete() throws Exception {
    String all = "0-" + (hostCpus() - 1);
    assertEquals(" IOThread ID   CPU Affinity\n-----------------------------\n 1             " + all + "\n\n",
        ok(qtune.run("iothreadinfo")).out());

    Result add = ok(qtune.run("iothreadadd", "2", "--poll-max-ns", "1000"));
    assertEquals("\n", add.out());
    JsonNode info = json(ok(qtune.run("--json", "iothreadinfo")));
    JsonNode io2 = find(info, "id", 2);
    assertNotNull(io2, info.toString());
    assertEquals(1000, io2.get("poll_max_ns").asLong());
    int tid = io2.get("tid").asInt();
    assertTrue(ThreadProbe.tasks(qemu.pid()).contains(tid));
    String domain = domainOf(tid);
    assertEquals(domain + "/iothread2", CG.groupOf(qemu.pid(), tid));

    ok(qtune.run("iothreadpin", "2", "1"));
    assertEquals("1", ThreadProbe.cpusAllowedList(qemu.pid(), tid));
    assertEquals("1", CG.cpus(domain + "/iothread2"));
    assertTrue(ok(qtune.run("iothreadinfo")).out().contains("\n 2             1\n"));

    ok(qtune.run("iothreaddel", "--id", "2"));
    assertFalse(ThreadProbe.tasks(qemu.pid()).contains(tid), "iothread2's thread still runs");
    assertFalse(CG.existsAnywhere(domain + "/iothread2"), "group iothread2 left behind");
    assertEquals(1, json(ok(qtune.run("--json", "iothreadinfo"))).size());
  }

  @Test
  void schedinfoShowsAndSetsBandwidth() throws Exception {
    applySpec("{\"name\":\"clitest\"}");
    String text = ok(qtune.run("schedinfo")).out();
    String weight = CG.v2() ? "cpu_weight     : 100\n" : "cpu_shares     : 1024\n";
    assertTrue(text.startsWith("Scheduler      : posix\n" + weight + "vcpu_period    : 100000\nvcpu_quota     : -1\n"),
        text);

    Result set = ok(qtune.run("schedinfo", "--set", "vcpu_quota=20000", "--set", "vcpu_period=100000"));
    assertTrue(set.out().contains("vcpu_quota     : 20000\n"), set.toString());
    String domain = domainOf(qemu.pid());
    assertEquals(20000, CG.quota(domain + "/vcpu0"));
    assertEquals(20000, CG.quota(domain + "/vcpu1"));
    assertEquals(-1, CG.quota(domain + "/emulator"));
    JsonNode j = json(ok(qtune.run("--json", "schedinfo")));
    assertEquals("posix", j.get("scheduler").asText());
    assertEquals(20000, j.get("vcpu_quota").asLong());
  }

  @Test
  void setvcpusHotplugsAndPlacesTheNewThread() throws Exception {
    ok(qtune.run("vcpupin", "0", "0"));
    JsonNode j = json(ok(qtune.run("--json", "setvcpus", "3")));
    JsonNode v2 = j.get(2);
    assertFalse(v2.get("tid").isNull(), j.toString());
    int tid = v2.get("tid").asInt();
    assertTrue(ThreadProbe.tasks(qemu.pid()).contains(tid));
    String domain = domainOf(qemu.pid());
    assertEquals(List.of(tid), CG.threads(domain + "/vcpu2"));
    assertEquals(3, json(ok(qtune.run("--json", "vcpuinfo"))).findValues("tid").stream()
        .filter(t -> !t.isNull()).count());
  }

  @Test
  void psListsEveryThreadWithItsRole() throws Exception {
    JsonNode j = json(ok(qtune.run("--json", "ps")));
    List<Integer> tids = new ArrayList<>();
    List<String> roles = new ArrayList<>();
    j.forEach(t -> {
      tids.add(t.get("tid").asInt());
      roles.add(t.get("role").asText());
      assertTrue(t.has("affinity") && t.has("last_cpu") && t.has("cpu_time_ns") && t.has("group")
          && t.has("want_group") && t.has("want_affinity") && t.has("stray"), t.toString());
    });
    assertEquals(ThreadProbe.tasks(qemu.pid()), tids.stream().sorted().toList());
    assertTrue(roles.containsAll(List.of("vcpu0", "vcpu1", "iothread1", "emulator")), roles.toString());
    String text = ok(qtune.run("ps")).out();
    assertTrue(text.lines().findFirst().orElseThrow().matches("\\s*TID ROLE\\s+PSR S\\s+TIME AFFINITY WANT COMM\\s+GROUP\\s+WANT-GROUP\\s+STRAY"),
        text);
    assertEquals(tids.size() + 2, text.split("\n", -1).length - 1, "header + one line per thread + blank");
  }

  /**
   * A worker born in a vCPU's group, made the way inheritance leaves it (vcpu1's groups in every
   * hierarchy, vCPU 1's affinity): ps marks it, reconcile moves it back, ps is clean again.
   */
  @Test
  void psMarksAStrayAndReconcileMovesItBack() throws Exception {
    Path spec = spec("{\"name\":\"clitest\",\"vcpupin\":[{\"vcpu\":1,\"cpuset\":\"1\"}],\"emulatorpin\":\"0\"}");
    String domain = json(ok(qtune.run("--json", "apply", spec.toString()))).get("domain_path").asText();
    int stray = -1;
    for (JsonNode t : json(ok(qtune.run("--json", "ps")))) {
      assertFalse(t.get("stray").asBoolean(), t.toString());
      if (t.get("role").asText().equals("emulator") && t.get("tid").asInt() != qemu.pid()) {
        stray = t.get("tid").asInt();
      }
    }
    assertTrue(stray > 0, "an emulator thread besides the main one");
    inherit(stray, domain + "/vcpu1", "1");

    JsonNode row = null;
    for (JsonNode t : json(ok(qtune.run("--json", "ps")))) {
      if (t.get("tid").asInt() == stray) {
        row = t;
      }
    }
    assertNotNull(row);
    assertTrue(row.get("stray").asBoolean(), row.toString());
    assertEquals(domain + "/vcpu1", row.get("group").asText());
    assertEquals(domain + "/emulator", row.get("want_group").asText());
    assertEquals("0", row.get("want_affinity").asText());
    String text = ok(qtune.run("ps")).out();
    String strayTid = String.valueOf(stray);
    assertTrue(text.lines().anyMatch(l -> l.trim().startsWith(strayTid + " ") && l.endsWith(" stray")), text);

    JsonNode moved = json(ok(qtune.run("--json", "reconcile")));
    assertEquals(1, moved.size(), moved.toString());
    assertEquals(stray, moved.get(0).get("tid").asInt());
    assertEquals(domain + "/emulator", moved.get(0).get("to_group").asText());
    assertEquals(domain + "/emulator", CG.groupOf(qemu.pid(), stray));
    assertEquals("0", ThreadProbe.cpusAllowedList(qemu.pid(), stray));
    assertEquals("no stray threads\n\n", ok(qtune.run("reconcile")).out());
    for (JsonNode t : json(ok(qtune.run("--json", "ps")))) {
      assertFalse(t.get("stray").asBoolean(), t.toString());
    }
  }

  // ------------------------------------------------------------------ apply / diff / gc

  @Test
  void applyThenDiffShowsDriftOnlyAfterALiveChange() throws Exception {
    Path spec = spec("{\"name\":\"clitest\",\"vcpupin\":[{\"vcpu\":0,\"cpuset\":\"1\"}],\"emulatorpin\":\"0\"}");
    JsonNode placed = json(ok(qtune.run("--json", "apply", spec.toString())));
    assertEquals(qemu.pid(), placed.get("pid").asInt());
    String domain = placed.get("domain_path").asText();
    assertTrue(domain.startsWith(sandbox.partition()), domain);
    assertEquals("1", CG.cpus(domain + "/vcpu0"));
    assertEquals("1", ThreadProbe.cpusAllowedList(qemu.pid(), vcpuTid(0)));

    assertEquals("no drift: the VM matches " + spec + "\n\n", ok(qtune.run("diff", spec.toString())).out());
    assertEquals(0, json(ok(qtune.run("--json", "diff", spec.toString()))).size());

    ok(qtune.run("vcpupin", "0", "0"));
    Result drift = qtune.run("diff", spec.toString());
    assertEquals(3, drift.code(), "drift is exit 3\n" + drift);
    assertTrue(drift.out().contains("vcpu"), drift.toString());
    JsonNode d = json(qtune.run("--json", "diff", spec.toString()));
    assertTrue(d.size() >= 1 && d.get(0).has("expected") && d.get(0).has("actual"), d.toString());
  }

  @Test
  void gcRemovesTheGroupsOfAVmThatIsGone() throws Exception {
    String domain = json(ok(qtune.run("--json", "apply", spec("{\"name\":\"clitest-gc\"}").toString())))
        .get("domain_path").asText();
    assertTrue(CG.exists(domain));
    qemu.kill();
    Result gc = ok(qtune.run("gc"));
    assertTrue(gc.out().contains("removed " + domain + "\n"), gc.toString());
    assertFalse(CG.existsAnywhere(domain), "domain group left behind");
  }

  // ------------------------------------------------------------------ exit codes and nothing-changed

  // 31 JVM starts: on the systemd lanes (10 s a start in TCG) CI leaves it out ("cli-matrix");
  // exit 2 is still checked there by failuresExitOne, and bad input by core's LiveOpsTest
  @Tag("lanes")
  @Tag("cli-matrix")
  @Test
  void badInputExitsTwoAndChangesNothing() throws Exception {
    applySpec("{\"name\":\"clitest\",\"vcpupin\":[{\"vcpu\":1,\"cpuset\":\"0\"}],"
        + "\"iothreads\":[{\"id\":1}]}");
    Path badSpec = spec("{\"name\":\"clitest\",\"vcpupin\":[{\"vcpu\":0,\"cpuset\":\"7\"}]}");
    Path notJson = spec("{ not json");
    List<String[]> bad = List.of(
        new String[] {"vcpupin", "0", String.valueOf(hostCpus() + 5)},
        new String[] {"vcpupin", "0", "1-0"},
        new String[] {"vcpupin", "0", ""},
        new String[] {"vcpupin", "9", "0"},
        new String[] {"vcpupin", "x", "0"},
        new String[] {"emulatorpin", String.valueOf(hostCpus() + 5)},
        new String[] {"emulatorpin", "1-0"},
        new String[] {"iothreadpin", "9", "0"},
        new String[] {"iothreadpin", "1", "1-0"},
        new String[] {"iothreadadd", "1"},
        new String[] {"iothreadadd", "0"},
        new String[] {"iothreaddel", "9"},
        new String[] {"schedinfo", "--set", "vcpu_quota=999"},
        new String[] {"schedinfo", "--set", "vcpu_period=5000000"},
        new String[] {"schedinfo", "--set", "cpu_shares=1"},
        new String[] {"schedinfo", "--set", "vcpu_quota=20000", "--set", "emulator_quota=5"},
        new String[] {"schedinfo", "--set", "bogus=1"},
        new String[] {"schedinfo", "--set", "vcpu_quota=abc"},
        new String[] {"setvcpus", "5"},
        new String[] {"setvcpus", "0"},
        new String[] {"attach-disk", tmp.resolve("none.img").toString(), "vdb", "--iothread", "1"},
        new String[] {"apply", badSpec.toString()},
        new String[] {"apply", notJson.toString()},
        new String[] {"apply", tmp.resolve("missing.json").toString()},
        new String[] {"diff", badSpec.toString()},
        new String[] {"frobnicate"});
    Map<String, String> before = snapshot();
    for (String[] args : bad) {
      Result r = qtune.run(args);
      assertEquals(2, r.code(), String.join(" ", args) + "\n" + r);
      assertTrue(r.err().startsWith("error: "), String.join(" ", args) + "\n" + r);
      assertEquals("", r.out(), String.join(" ", args) + "\n" + r);
      assertEquals(before, snapshot(), "'" + String.join(" ", args) + "' changed something");
    }
    // no VM named, and a socket that does not exist
    Result none = new QtuneCommand("--partition", sandbox.partition()).run("vcpuinfo");
    assertEquals(2, none.code(), none.toString());
    assertEquals("error: name the VM with --qmp SOCKET or --name NAME\n", none.err());
    Result missing = new QtuneCommand("--qmp", tmp.resolve("nope.sock").toString()).run("vcpupin", "0", "1");
    assertEquals(2, missing.code(), missing.toString());
    Result unknownName = new QtuneCommand("--name", "nobody", "--state-dir", tmp.resolve("state").toString(),
        "--partition", sandbox.partition()).run("vcpupin", "0", "1");
    assertEquals(2, unknownName.code(), unknownName.toString());
    assertEquals(before, snapshot());
  }

  @Tag("lanes")
  @Test
  void failuresExitOne() throws Exception {
    applySpec("{\"name\":\"clitest\"}");
    Map<String, String> before = snapshot();
    // a disk that was never attached is bad input (exit 2), checked before QMP is asked
    Result detach = qtune.run("detach-disk", "vdz");
    assertEquals(2, detach.code(), detach.toString());
    assertTrue(detach.err().startsWith("error: no disk 'vdz' attached"), detach.toString());
    assertEquals(before, snapshot());

    // a socket file nobody serves any more
    Path stale = qemu.socket();
    qemu.kill();
    Result gone = new QtuneCommand("--qmp", stale.toString(), "--partition", sandbox.partition()).run("vcpuinfo");
    if (Files.exists(stale)) {
      assertEquals(1, gone.code(), gone.toString());
      assertTrue(gone.err().startsWith("error: "), gone.toString());
    }
  }

  // ------------------------------------------------------------------ shell and launch

  @Test
  void shellRunsEveryLineOnOneSession() throws Exception {
    int tid = vcpuTid(0);
    Result r = qtune.runWithInput("vcpupin 0 1\nvcpupin 0 # the pin\nvcpupin 9 0\n--json emulatorpin ; "
        + "iothreadinfo\n", "shell");
    assertEquals(0, r.code(), r.toString());
    assertEquals("1", ThreadProbe.cpusAllowedList(qemu.pid(), tid));
    assertTrue(r.out().contains(" VCPU   CPU Affinity\n----------------------\n 0      1\n"), r.toString());
    assertTrue(r.out().contains("{\"affinity\":"), r.toString());
    assertTrue(r.out().contains(" IOThread ID   CPU Affinity\n"), r.toString());
    assertEquals("error: vcpu 9 is out of range of live cpu count 4\n", r.err());

    Result last = qtune.runWithInput("vcpuinfo\nvcpupin 0 1-0\n", "shell");
    assertEquals(2, last.code(), "the shell's status is its last command's\n" + last);
    Result refused = qtune.runWithInput("--qmp /tmp/x vcpuinfo\n", "shell");
    assertEquals(2, refused.code(), refused.toString());
  }

  @Test
  void launchPlacesSupervisesAndCleansUp() throws Exception {
    String name = "clitest-launch-" + UUID.randomUUID().toString().substring(0, 6);
    Path spec = spec("{\"name\":\"" + name + "\",\"emulatorpin\":\"0\",\"vcpupin\":[{\"vcpu\":0,\"cpuset\":\"1\"}]}");
    Path state = tmp.resolve("launch-state");
    QtuneCommand q = new QtuneCommand("--json", "--state-dir", state.toString(), "--partition", sandbox.partition());
    List<String> args = new ArrayList<>(List.of("launch", "--reconcile-interval", "0.2", spec.toString(), "--"));
    args.addAll(List.of("qemu-system-x86_64", "-accel", QemuProcess.accel(), "-machine", "pc", "-smp", "2",
        "-m", "64", "-nodefaults", "-display", "none", "-object", "iothread,id=iothread1"));
    Process launcher = q.builder(args.toArray(String[]::new)).redirectErrorStream(false).start();
    var err = QtuneCommand.drain(launcher.getErrorStream());
    int pid = -1;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertNotNull(line, "launch printed nothing; stderr: " + (launcher.waitFor(TestTime.millis(5), java.util.concurrent.TimeUnit.MILLISECONDS) ? err.join() : ""));
      JsonNode vm = JSON.readTree(line);
      pid = vm.get("pid").asInt();
      String domain = vm.get("domain_path").asText();
      assertEquals(name, vm.get("name").asText());
      assertEquals("0", ThreadProbe.cpusAllowedList(pid, pid));
      assertEquals("0", CG.cpus(domain + "/emulator"));

      QtuneCommand byName = new QtuneCommand("--name", name, "--state-dir", state.toString(),
          "--partition", sandbox.partition());
      JsonNode v = json(ok(byName.run("--json", "vcpuinfo")));
      assertEquals("1", v.get(0).get("affinity").asText());

      // the supervisor moves a thread born in vcpu0's group back to emulator by itself
      int stray = -1;
      for (JsonNode th : json(ok(byName.run("--json", "ps")))) {
        if (th.get("role").asText().equals("emulator") && th.get("tid").asInt() != pid) {
          stray = th.get("tid").asInt();
        }
      }
      assertTrue(stray > 0, "an emulator thread besides the main one");
      inherit(stray, domain + "/vcpu0", "1");
      long deadline = System.nanoTime() + TestTime.seconds(20).toNanos();
      while (!(domain + "/emulator").equals(CG.groupOf(pid, stray)) || !"0".equals(ThreadProbe.cpusAllowedList(pid, stray))) {
        assertTrue(System.nanoTime() < deadline, "launch's periodic reconcile did not move thread " + stray + " back");
        Thread.sleep(50);
      }

      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
      assertTrue(launcher.waitFor(TestTime.millis(30), java.util.concurrent.TimeUnit.MILLISECONDS), "launch did not end with QEMU");
      assertEquals(0, launcher.exitValue(), err.join());
      assertFalse(CG.existsAnywhere(domain), "groups of the launched VM left behind");
    } finally {
      if (pid > 0) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      launcher.destroyForcibly();
      launcher.waitFor(TestTime.millis(10), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  // ------------------------------------------------------------------ helpers

  /** What the kernel leaves when a thread of {@code group} spawns {@code tid}: its groups, its affinity. */
  private static void inherit(int tid, String group, String cpus) throws Exception {
    List<Path> dirs = new ArrayList<>(CG.dirs(group));
    CgroupView.v1Mount("cpuacct").map(m -> m.resolve(group.substring(1)))
        .filter(Files::isDirectory).filter(p -> !dirs.contains(p)).ifPresent(dirs::add);
    for (Path dir : dirs) {
      Files.writeString(dir.resolve(CG.v2() ? "cgroup.threads" : "tasks"), String.valueOf(tid));
    }
    io.qtune.host.sched.ThreadAffinity.set(tid, io.qtune.host.cpu.CpuSet.parse(cpus));
  }

  private static Result ok(Result r) {
    assertEquals(0, r.code(), r.toString());
    assertEquals("", r.err(), r.toString());
    return r;
  }

  private static JsonNode json(Result r) throws Exception {
    return JSON.readTree(r.out());
  }

  private static JsonNode find(JsonNode array, String key, int value) {
    for (JsonNode n : array) {
      if (n.get(key).asInt() == value) {
        return n;
      }
    }
    return null;
  }

  private int vcpuTid(int vcpu) throws Exception {
    return json(ok(qtune.run("--json", "vcpuinfo"))).get(vcpu).get("tid").asInt();
  }

  /** The VM's domain group, from the group the kernel says {@code tid} is in. */
  private String domainOf(int tid) {
    String g = CG.groupOf(qemu.pid(), tid);
    assertNotNull(g);
    assertTrue(g.startsWith(sandbox.partition()), g);
    return g.substring(0, g.lastIndexOf('/'));
  }

  private void applySpec(String json) throws Exception {
    ok(qtune.run("apply", spec(json).toString()));
  }

  private Path spec(String json) throws Exception {
    Path p = Files.createTempFile(tmp, "spec-", ".json");
    Files.writeString(p, json);
    return p;
  }

  /** Every cgroup value and membership under the partition, plus every QEMU thread's affinity. */
  private Map<String, String> snapshot() {
    Map<String, String> s = new LinkedHashMap<>(CgroupDump.of(sandbox.dirs()));
    for (int tid : ThreadProbe.tasks(qemu.pid())) {
      s.put("affinity " + tid, ThreadProbe.cpusAllowedList(qemu.pid(), tid));
    }
    return s;
  }

  private static int hostCpus() {
    return lastCpu(ThreadProbe.read(Path.of("/sys/devices/system/cpu/present"))) + 1;
  }

  private static String virshMap(String list) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < hostCpus(); i++) {
      sb.append(inList(list, i) ? 'y' : '-');
    }
    return sb.toString();
  }

  private static boolean inList(String list, int cpu) {
    for (String part : list.split(",")) {
      String[] r = part.split("-");
      int lo = Integer.parseInt(r[0].trim());
      int hi = r.length > 1 ? Integer.parseInt(r[1].trim()) : lo;
      if (cpu >= lo && cpu <= hi) {
        return true;
      }
    }
    return false;
  }

  private static int lastCpu(String list) {
    String last = list.substring(list.lastIndexOf(',') + 1);
    return Integer.parseInt(last.substring(last.lastIndexOf('-') + 1).trim());
  }
}
