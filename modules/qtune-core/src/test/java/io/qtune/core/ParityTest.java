package io.qtune.core;

import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libvirt table of ../shared/reference/libvirt-oracle-observations.md (names aside): the same
 * spec on a VM with -smp 2,maxcpus=4 and two iothreads gives the same tree, values, memberships
 * and affinities, in attach mode and in launch mode. Runs natively (v1) and in the v2 lane.
 */
@Tag("v2")
class ParityTest {
  /** The spec, as libvirt's oracle domain had it (no realtime scheduler: see LiveOpsTest). */
  static final String SPEC = """
      {
        "name": "vm1",
        "iothreads": [ {"id": 1}, {"id": 2, "poll_max_ns": 32768} ],
        "vcpupin": [ {"vcpu": 0, "cpuset": "0"}, {"vcpu": 1, "cpuset": "1"} ],
        "emulatorpin": "1",
        "iothreadpin": [ {"iothread": 1, "cpuset": "1"} ],
        "shares": 2048,
        "period": 100000, "quota": 50000,
        "global_period": 100000, "global_quota": 180000,
        "emulator_period": 200000, "emulator_quota": 60000,
        "iothread_period": 100000, "iothread_quota": 40000,
        "numatune": {"mode": "strict", "nodeset": "0"}
      }
      """;

  @TempDir Path state;

  @Tag("lanes")
  @Test
  void attachGivesLibvirtsTree() {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        QemuProcess q = QemuProcess.start("2,maxcpus=4", 1, 2);
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.attach(q.socket(), SpecReader.parse(SPEC)).join();
      assertLibvirtTable(vm, q.pid());
      assertTrue(vm.diff(SpecReader.parse(SPEC)).join().isEmpty(), "no drift right after placement");
    }
  }

  @Tag("lanes")
  @Test
  void launchGivesLibvirtsTreeAndNoThreadEverRunsOutside() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("coretest");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      String marker = "qtune-launch-" + System.nanoTime();
      List<String> args = QemuProcess.baseArgs("2,maxcpus=4");
      args.addAll(List.of("-object", "iothread,id=iothread1", "-uuid",
          java.util.UUID.randomUUID().toString(), "-pidfile", state.resolve(marker).toString()));
      Outsiders watch = new Outsiders(state.resolve(marker).toString(), sb.groupPaths());
      Thread watcher = new Thread(watch, "outsider-watch");
      watcher.start();
      Vm vm = qtune.launch(SpecReader.parse(SPEC), args, TestOptions.launch().paused()).join();
      try {
        watch.stop.set(true);
        watcher.join();
        assertTrue(watch.samples > 0, "the watcher saw the QEMU process");
        assertTrue(watch.outside.isEmpty(), "threads seen outside the domain group: " + watch.outside);
        // launch created iothread2 (spec) beside iothread1 (command line)
        assertLibvirtTable(vm, vm.pid());
      } finally {
        vm.destroy().get(TestTime.millis(20), java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      CgroupView v = CgroupView.live();
      assertFalse(v.existsAnywhere(vm.domainPath()), "groups removed when QEMU exits");
    }
  }

  /** Samples every task of the QEMU (found by its command line) and records any outside the domain. */
  static final class Outsiders implements Runnable {
    final String marker;
    final List<String> partition;
    final AtomicBoolean stop = new AtomicBoolean();
    final ConcurrentLinkedQueue<String> outside = new ConcurrentLinkedQueue<>();
    volatile int samples;

    /** @param partition the partition's group paths (a slice with systemd as init) */
    Outsiders(String marker, List<String> partition) {
      this.marker = marker;
      this.partition = partition;
    }

    @Override
    public void run() {
      CgroupView v = CgroupView.live();
      while (!stop.get()) {
        try (var procs = Files.list(Path.of("/proc"))) {
          for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
            String cmd;
            try {
              cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
            } catch (Exception e) {
              continue;
            }
            if (!cmd.startsWith("qemu-system") || !cmd.contains(marker)) {
              continue; // before exec it is the waiting shell; only QEMU itself must be inside
            }
            int pid = Integer.parseInt(p.getFileName().toString());
            for (int tid : ThreadProbe.tasks(pid)) {
              try {
                String g = v.groupOf(pid, tid);
                samples++;
                // a domain group below the partition: qemu-1-vm1.libvirt-qemu, or a machine scope
                if (g == null || partition.stream().noneMatch(part -> g.startsWith(part + "/"))
                    || !(g.contains(".libvirt-qemu") || g.contains(".scope"))) {
                  outside.add(tid + " in " + g);
                }
              } catch (AssertionError | RuntimeException gone) {
                // thread exited between listing and reading
              }
            }
          }
        } catch (Exception e) {
          // /proc raced; sample again
        }
      }
    }
  }

  /** The oracle's table, read from the raw files and /proc. */
  static void assertLibvirtTable(Vm vm, int pid) {
    CgroupView v = CgroupView.live();
    String d = vm.domainPath();
    assertEquals(v.v2() ? runcWeight(2048) : 2048, v.weight(d), "domain shares/weight");
    assertEquals(100000, v.period(d));
    assertEquals(180000, v.quota(d));
    if (v.v2()) {
      assertEquals("domain threaded", v.type(d));
    }
    // libvirt's v1 tree beside a cgroup2 mount, cpuacct mounted apart (this machine): no cpuacct
    // group at all, QEMU's threads stay where they were (oracle observations, "Layout")
    var cpuacct = CgroupView.v1Mount("cpuacct");
    if (!v.v2() && cpuacct.isPresent() && !cpuacct.equals(CgroupView.v1Mount("cpu"))
        && java.nio.file.Files.isDirectory(Path.of("/sys/fs/cgroup/unified"))) {
      String partition = d.substring(0, d.lastIndexOf('/'));
      assertFalse(java.nio.file.Files.exists(cpuacct.get().resolve(partition.substring(1))),
          "no cpuacct group for the partition " + partition);
      for (String line : ThreadProbe.read(Path.of("/proc", Integer.toString(pid), "cgroup")).split("\n")) {
        if (line.contains(":cpuacct:")) {
          assertFalse(line.contains(partition), "QEMU stays outside the partition in cpuacct: " + line);
        }
      }
    }

    String online = ThreadProbe.read(Path.of("/sys/devices/system/cpu/online"));
    // iothread2 is unpinned: it runs on the domain's CPUs (v1 copies the parent's cpuset.cpus,
    // v2 leaves the file empty, a re-adopted group may hold them written out)
    Map<String, String> cpus = new TreeMap<>(Map.of("emulator", "1", "vcpu0", "0", "vcpu1", "1",
        "iothread1", "1", "iothread2", online));
    Map<String, String> affinity = new TreeMap<>(cpus);
    affinity.put("iothread2", online);
    Map<String, long[]> bw = Map.of("emulator", new long[] {200000, 60000},
        "vcpu0", new long[] {100000, 50000}, "vcpu1", new long[] {100000, 50000},
        "iothread1", new long[] {100000, 40000}, "iothread2", new long[] {100000, 40000});
    for (var e : cpus.entrySet()) {
      String g = d + "/" + e.getKey();
      assertTrue(v.exists(g), g + " exists");
      assertEquals(e.getValue(), v.effectiveCpus(g), g + " effective cpus");
      if (!e.getKey().equals("iothread2")) {
        assertEquals(e.getValue(), v.cpus(g), g + " cpuset.cpus");
      } else if (!v.v2()) {
        assertEquals(v.cpus(d), v.cpus(g), g + " cpuset.cpus inherited from the domain");
      }
      assertEquals("0", v.mems(g), g + " cpuset.mems");
      assertEquals(bw.get(e.getKey())[0], v.period(g), g + " period");
      assertEquals(bw.get(e.getKey())[1], v.quota(g), g + " quota");
      if (v.v2()) {
        assertEquals("threaded", v.type(g), g + " cgroup.type");
      }
    }
    // two plugged vCPUs of four: no group for the offline ones, as libvirt
    assertFalse(v.existsAnywhere(d + "/vcpu2"));

    Map<String, Integer> byComm = new TreeMap<>();
    List<Integer> others = new ArrayList<>();
    for (int tid : ThreadProbe.tasks(pid)) {
      String comm = ThreadProbe.comm(pid, tid);
      if (comm.matches("CPU \\d+/(KVM|TCG)")) {
        byComm.put("vcpu" + comm.substring(4, comm.indexOf('/')), tid);
      } else if (comm.matches("IO iothread\\d+")) {
        byComm.put(comm.substring(3), tid);
      } else {
        others.add(tid);
      }
    }
    assertEquals(List.of("iothread1", "iothread2", "vcpu0", "vcpu1"), new ArrayList<>(byComm.keySet()));
    for (var e : byComm.entrySet()) {
      String g = d + "/" + e.getKey();
      assertEquals(List.of(e.getValue()), v.threads(g), g + " members");
      assertEquals(affinity.get(e.getKey()), ThreadProbe.cpusAllowedList(pid, e.getValue()),
          e.getKey() + " thread affinity");
    }
    assertEquals(others, v.threads(d + "/emulator"), "emulator members: every other QEMU thread");
    for (int tid : others) {
      assertEquals("1", ThreadProbe.cpusAllowedList(pid, tid), "emulator thread " + tid + " affinity");
    }
    assertEquals(List.of(), v.threads(d), "domain group itself holds no thread");
  }

  /** runc/Kubernetes' log-scale shares→weight mapping, written out here independently. */
  static long runcWeight(long shares) {
    double l = Math.log(shares) / Math.log(2);
    double exp = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    return (long) Math.ceil(Math.pow(10, exp));
  }

  static TuningSpec spec() {
    return SpecReader.parse(SPEC);
  }

  static Duration timeout() {
    return TestTime.seconds(20);
  }
}
