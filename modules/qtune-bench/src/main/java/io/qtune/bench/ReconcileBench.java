package io.qtune.bench;

import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.core.ThreadMove;
import io.qtune.core.Vm;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.ThreadAffinity;
import io.qtune.qmp.QmpOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a reconcile pass costs (issue 14): on an attached VM with 2 and with 64 vCPUs, a pass with
 * nothing to do (every task's groups and affinity read) and a pass that moves one stray (a worker
 * put into vcpu1's groups with vCPU 1's affinity, as inheritance leaves it; made outside the
 * timing). The in-run baseline is one {@code sched_getaffinity} of QEMU's main thread. Run with
 * {@code bench/run --reconcile [--quick]}; prints a markdown section.
 */
public final class ReconcileBench {
  private ReconcileBench() {}

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    int n = quick ? 50 : 300;
    Machine machine = Machine.describe();
    int ncpu = machine.cores();
    Path dir = Files.createTempDirectory("qtune-reconcile-bench-");
    Map<String, Sample> rows = new LinkedHashMap<>();
    try (BenchPartition partition = new BenchPartition();
        Qtune qtune = Qtune.create(QtuneOptions.defaults().withPartition(partition.partition())
            .withStateDir(Files.createDirectories(dir.resolve("state"))).withReconcileInterval(Duration.ZERO)
            // a 64-vCPU TCG QEMU on a loaded 2-core host can take longer than QMP's 5 s to greet
            .withQmp(QmpOptions.defaults().withConnectTimeout(Duration.ofSeconds(120))
                .withCommandTimeout(Duration.ofSeconds(120))))) {
      for (int vcpus : new int[] {2, 64}) {
        Bench.log("reconcile, %d vCPUs...", vcpus);
        try (QemuVm qemu = QemuVm.start(dir, "rec" + vcpus, vcpus, 64, 1)) {
          Vm vm = qtune.attach(qemu.socket(), Specs.spec("rec" + vcpus, vcpus, ncpu, true)).join();
          try {
            measure(vm, vcpus, ncpu, n, rows);
          } finally {
            String domain = TuneBench.lastComponent(vm.domainPath());
            vm.close();
            partition.reset(qemu.pid(), domain, CpuSet.range(0, ncpu - 1));
          }
        }
      }
    } finally {
      Bench.log("done");
    }
    System.out.println(markdown(machine, rows, quick));
    System.exit(0); // Netty's GlobalEventExecutor thread is not a daemon
  }

  private static void measure(Vm vm, int vcpus, int ncpu, int n, Map<String, Sample> rows) {
    int pid = vm.pid();
    if (vcpus == 2) {
      List<Long> base = new ArrayList<>();
      for (int i = -20000; i < n * 10; i++) {
        long t0 = System.nanoTime();
        ThreadAffinity.get(pid);
        if (i >= 0) {
          base.add(System.nanoTime() - t0);
        }
      }
      rows.put("baseline: one sched_getaffinity", Sample.of(base));
    }
    List<Long> noop = new ArrayList<>();
    for (int i = -2000; i < n; i++) {
      long t0 = System.nanoTime();
      List<ThreadMove> moved = vm.reconcile().join();
      long d = System.nanoTime() - t0;
      if (!moved.isEmpty()) {
        throw new IllegalStateException("a pass with nothing to do moved " + moved);
      }
      if (i >= 0) {
        noop.add(d);
      }
    }
    rows.put(vcpus + " vCPUs (" + ThreadCount.of(pid) + " tasks): pass with nothing to do", Sample.of(noop));
    int worker = vm.threads().emulator().stream().filter(t -> t != pid).findFirst()
        .orElseThrow(() -> new IllegalStateException("QEMU has no emulator worker"));
    String vcpu1 = vm.domainPath() + "/vcpu1";
    List<Long> stray = new ArrayList<>();
    for (int i = -200; i < n; i++) {
      inherit(worker, vcpu1, CpuSet.of(1 % ncpu)); // Specs pins vCPU i to CPU i % ncpu
      long t0 = System.nanoTime();
      List<ThreadMove> moved = vm.reconcile().join();
      long d = System.nanoTime() - t0;
      if (moved.size() != 1) {
        throw new IllegalStateException("expected the stray to move, moved " + moved);
      }
      if (i >= 0) {
        stray.add(d);
      }
    }
    rows.put(vcpus + " vCPUs: pass moving one stray (attach + affinity)", Sample.of(stray));
    if (vcpus == 2) {
      List<Long> pin = new ArrayList<>();
      for (int i = -2000; i < n; i++) {
        long t0 = System.nanoTime();
        vm.pins().vcpu(0, i % 2 == 0 ? "0" : "0-" + (ncpu - 1)).join();
        if (i >= 0) {
          pin.add(System.nanoTime() - t0);
        }
      }
      rows.put("2 vCPUs: vcpupin, which ends with a pass", Sample.of(pin));
    }
  }

  /** The kernel's inheritance, by hand: vcpu1's groups in every v1 hierarchy, vCPU 1's affinity. */
  private static void inherit(int tid, String group, CpuSet cpus) {
    for (String c : List.of("cpu", "cpuacct", "cpuset")) {
      Path tasks = Path.of("/sys/fs/cgroup", c).resolve(group.substring(1)).resolve("tasks");
      try {
        Files.writeString(tasks, String.valueOf(tid));
      } catch (IOException e) {
        throw new IllegalStateException("cannot move " + tid + " into " + tasks, e);
      }
    }
    ThreadAffinity.set(tid, cpus);
  }

  private static String markdown(Machine machine, Map<String, Sample> rows, boolean quick) {
    double base = rows.get("baseline: one sched_getaffinity").median();
    StringBuilder sb = new StringBuilder();
    sb.append("Measured ").append(machine.date()).append(quick ? " (--quick)" : "").append(".\n\n");
    sb.append("| what | median (min–max, n) | p99 | × one sched_getaffinity |\n|---|---|---|---|\n");
    rows.forEach((k, s) -> sb.append("| ").append(k).append(" | ").append(s.format()).append(" | ")
        .append(Sample.Unit.of(s.p99()).fmt(s.p99())).append(' ').append(Sample.Unit.of(s.p99()).name)
        .append(" | ").append(String.format("%.0f×", s.median() / base)).append(" |\n"));
    return sb.toString();
  }

  /** The number of tasks of a process. */
  private static final class ThreadCount {
    static int of(int pid) {
      try (var s = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
        return (int) s.count();
      } catch (IOException e) {
        return -1;
      }
    }
  }
}
