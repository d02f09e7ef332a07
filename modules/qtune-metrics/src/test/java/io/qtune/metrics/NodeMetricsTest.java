package io.qtune.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.Qtune;
import io.qtune.core.Vm;
import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.Testbed;
import io.qtune.host.cpu.CpuSet;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scrape of a real QEMU (TCG) whose vCPUs ran under a CFS quota, parsed with a strict line
 * parser: the per-thread samples are the threads' own schedstat, stat and status values, the
 * throttling samples are the groups' cpu.stat, read back from the files in the same test.
 */
@Tag("v2")
class NodeMetricsTest {
  @TempDir Path state;
  Testbed bed;
  QemuProcess qemu;
  QemuProcess other;
  Qtune qtune;

  @BeforeEach
  void start() {
    bed = Testbed.start("metricstest", state, "2", 1);
    qemu = bed.qemu();
    qtune = bed.qtune();
  }

  @AfterEach
  void stop() {
    try {
      if (other != null) {
        other.close();
      }
    } finally {
      bed.close();
    }
  }


  static String scrape(NodeMetrics m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      m.writeText(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** cpu.stat of a group as the kernel writes it, throttled time in ns on v1 and v2. */
  static Map<String, Long> cpuStat(String group) {
    Map<String, Long> kv = new HashMap<>();
    for (String line : ThreadProbe.read(CgroupView.live().dirs(group).get(0).resolve("cpu.stat")).split("\n")) {
      String[] f = line.trim().split(" ");
      kv.put(f[0], Long.parseLong(f[1]));
    }
    long throttled = kv.containsKey("throttled_usec") ? kv.get("throttled_usec") * 1000 : kv.get("throttled_time");
    return Map.of("periods", kv.get("nr_periods"), "throttled", kv.get("nr_throttled"), "throttled_ns", throttled);
  }

  /** schedstat of a thread: run ns, wait ns, timeslices. */
  static long[] schedstat(int pid, int tid) {
    String[] f = ThreadProbe.read(Path.of("/proc/" + pid + "/task/" + tid + "/schedstat")).trim().split(" ");
    return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
  }

  static long ns(double seconds) {
    return Math.round(seconds * 1e9);
  }

  @Test
  void aScrapeShowsEachVcpuThreadsKernelCountersAndEachGroupsCpuStat() {
    Vm vm = qtune.attach(qemu.socket(),
        SpecReader.parse("{\"name\": \"m1\", \"period\": 10000, \"quota\": 1000}")).join();
    NodeMetrics metrics = new NodeMetrics(qtune, TestTime.seconds(30));
    String vcpu0 = vm.domainPath() + "/vcpu0";
    vm.qmp().execute("cont").join();
    // the guest's firmware runs under TCG until its vCPU 0 met its 10 % quota
    await().atMost(TestTime.seconds(60)).until(() -> cpuStat(vcpu0).get("throttled") > 0);
    vm.qmp().execute("stop").join();
    // stopped vCPUs sleep: wait until no group's cpu.stat moves any more
    List<String> groups = List.of(vm.domainPath(), vcpu0, vm.domainPath() + "/vcpu1",
        vm.domainPath() + "/emulator", vm.domainPath() + "/iothread1");
    AtomicReference<Object> last = new AtomicReference<>();
    await().atMost(TestTime.seconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      Object now = groups.stream().map(NodeMetricsTest::cpuStat).toList();
      return now.equals(last.getAndSet(now));
    });
    int pid = qemu.pid();
    Map<Integer, long[]> before = new HashMap<>();
    for (int v = 0; v < 2; v++) {
      before.put(v, schedstat(pid, vm.threads().vcpu(v).tid()));
    }

    String text = scrape(metrics);
    Exposition e = Exposition.parse(text);

    CpuSet online = CpuSet.parseList(ThreadProbe.read(Path.of("/sys/devices/system/cpu/online")));
    for (int v = 0; v < 2; v++) {
      int tid = vm.threads().vcpu(v).tid();
      long[] after = schedstat(pid, tid);
      Map<String, String> l = Map.of("vm", "m1", "role", "vcpu", "id", Integer.toString(v));
      long cpu = ns(e.one("qtune_thread_cpu_seconds_total", l).value());
      assertTrue(cpu > 0, "vcpu" + v + " ran under TCG: cpu time " + cpu);
      assertTrue(before.get(v)[0] <= cpu && cpu <= after[0], "vcpu" + v + " cpu " + cpu + " is schedstat's");
      long wait = ns(e.one("qtune_thread_runqueue_wait_seconds_total", l).value());
      assertTrue(before.get(v)[1] <= wait && wait <= after[1], "vcpu" + v + " wait " + wait + " is schedstat's");
      double slices = e.one("qtune_thread_timeslices_total", l).value();
      assertTrue(before.get(v)[2] <= slices && slices <= after[2]);
      int lastCpu = (int) e.one("qtune_thread_last_cpu", l).value();
      assertTrue(online.contains(lastCpu), "last CPU " + lastCpu + " is one of the host's " + online);
      long vol = Long.parseLong(ThreadProbe.status(pid, tid, "voluntary_ctxt_switches"));
      long invol = Long.parseLong(ThreadProbe.status(pid, tid, "nonvoluntary_ctxt_switches"));
      assertTrue(e.one("qtune_thread_voluntary_context_switches_total", l).value() <= vol);
      assertTrue(e.one("qtune_thread_voluntary_context_switches_total", l).value() > 0);
      assertTrue(e.one("qtune_thread_involuntary_context_switches_total", l).value() <= invol);
    }
    assertEquals(2, e.one("qtune_vm_threads", Map.of("vm", "m1", "role", "vcpu")).value());
    assertEquals(1, e.one("qtune_vm_threads", Map.of("vm", "m1", "role", "iothread")).value());
    assertTrue(e.one("qtune_thread_cpu_seconds_total", Map.of("vm", "m1", "role", "emulator")).value() > 0);
    assertEquals(1, e.find("qtune_thread_cpu_seconds_total", Map.of("vm", "m1", "role", "iothread")).size());

    Map<String, Map<String, String>> labels = Map.of(
        vm.domainPath(), Map.of("vm", "m1", "role", "domain"),
        vcpu0, Map.of("vm", "m1", "role", "vcpu", "id", "0"),
        vm.domainPath() + "/vcpu1", Map.of("vm", "m1", "role", "vcpu", "id", "1"),
        vm.domainPath() + "/emulator", Map.of("vm", "m1", "role", "emulator"),
        vm.domainPath() + "/iothread1", Map.of("vm", "m1", "role", "iothread", "id", "1"));
    for (String g : groups) {
      Map<String, Long> file = cpuStat(g);
      Map<String, String> l = labels.get(g);
      assertEquals(file.get("periods"), (long) e.one("qtune_cgroup_cfs_periods_total", l).value(), g);
      assertEquals(file.get("throttled"), (long) e.one("qtune_cgroup_cfs_throttled_periods_total", l).value(), g);
      assertEquals(file.get("throttled_ns"), ns(e.one("qtune_cgroup_cfs_throttled_seconds_total", l).value()), g);
    }
    assertTrue(e.one("qtune_cgroup_cfs_throttled_periods_total", labels.get(vcpu0)).value() > 0);
    assertTrue(e.one("qtune_qmp_roundtrip_seconds", Map.of("vm", "m1")).value() > 0);
    assertEquals(0, e.one("qtune_vm_drifts", Map.of("vm", "m1")).value());
    assertEquals(1, e.one("qtune_vms", Map.of()).value());
    assertEquals("counter", e.types.get("qtune_thread_cpu_seconds_total"));
    assertEquals("gauge", e.types.get("qtune_thread_last_cpu"));
  }

  /** A quota changed behind qtune's back is one drift, found by the check the scrape runs. */
  @Test
  void aQuotaChangedBehindQtunesBackIsCountedAsADrift() throws IOException {
    Vm vm = qtune.attach(qemu.socket(), SpecReader.parse("{\"name\": \"m1\", \"period\": 10000, \"quota\": 1000}")).join();
    NodeMetrics metrics = new NodeMetrics(qtune, TestTime.seconds(30));
    assertEquals(0, Exposition.parse(scrape(metrics)).one("qtune_vm_drifts", Map.of("vm", "m1")).value());
    Path dir = CgroupView.live().dirs(vm.domainPath() + "/vcpu1").get(0);
    if (CgroupView.live().v2()) {
      Files.writeString(dir.resolve("cpu.max"), "2000 10000");
    } else {
      Files.writeString(dir.resolve("cpu.cfs_quota_us"), "2000");
    }
    assertEquals(1, Exposition.parse(scrape(metrics)).one("qtune_vm_drifts", Map.of("vm", "m1")).value());
  }

  /**
   * A VM whose QEMU died after it was listed costs its own samples, not the scrape: the scrape
   * lists a dead VM beside a live one, and a thread id that does not exist.
   */
  @Test
  void aVmOrThreadThatVanishedIsLeftOut() {
    Vm live = qtune.attach(qemu.socket(), SpecReader.parse("{\"name\": \"alive\"}")).join();
    other = QemuProcess.start("1", List.of());
    Vm dead = qtune.attach(other.socket(), SpecReader.parse("{\"name\": \"gone\"}")).join();
    NodeMetrics metrics = new NodeMetrics(qtune, TestTime.seconds(30), () -> List.of(live, dead));
    other.kill();
    await().atMost(TestTime.seconds(20)).until(() -> !Files.exists(Path.of("/proc/" + other.pid())));

    Exposition e = Exposition.parse(scrape(metrics));

    assertEquals(2, e.one("qtune_vms", Map.of()).value());
    assertFalse(e.find("qtune_thread_cpu_seconds_total", Map.of("vm", "alive", "role", "vcpu")).isEmpty());
    assertTrue(e.samples.stream().noneMatch(s -> "gone".equals(s.labels().get("vm"))),
        "no sample of the dead VM: " + e.samples.stream().filter(s -> "gone".equals(s.labels().get("vm"))).toList());

    Families out = new Families();
    new ThreadSampler(Path.of("/")).sample(out, "alive", qemu.pid(),
        List.of(new ThreadRoles.Role("vcpu", "7", List.of(Integer.MAX_VALUE))));
    assertTrue(out.snapshots().stream().noneMatch(s -> s.getMetadata().getName().equals("qtune_thread_cpu_seconds")));
  }

  /**
   * The same QEMU held twice (through its two QMP monitors) is one set of series: a second would
   * repeat every label set, which the client refuses for the whole scrape.
   */
  @Test
  void aVmHeldTwiceIsScrapedOnce() throws IOException {
    Path second = Files.createTempDirectory("qtune-metricstest-").resolve("second.sock");
    other = QemuProcess.start("2", List.of("-qmp", "unix:" + second + ",server=on,wait=off"));
    Vm vm = qtune.attach(other.socket(), SpecReader.parse("{\"name\": \"twice\"}")).join();
    await().atMost(TestTime.seconds(20)).until(() -> QemuProcess.accepts(second));
    Vm again = qtune.open(second).join();
    assertEquals(2, qtune.vms().size());
    NodeMetrics metrics = new NodeMetrics(qtune, TestTime.seconds(30));

    Exposition e = Exposition.parse(scrape(metrics));

    assertEquals(1, e.find("qtune_thread_cpu_seconds_total", Map.of("vm", "twice", "role", "vcpu", "id", "0")).size());
    assertEquals(1, e.find("qtune_vm_drifts", Map.of("vm", "twice")).size());
    again.close();
    Files.deleteIfExists(second);
    Files.deleteIfExists(second.getParent());
  }
}
