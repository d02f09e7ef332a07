package io.qtune.bench;

import io.qtune.core.Qtune;
import io.qtune.core.Vm;
import io.qtune.core.spec.TuningSpec;
import io.qtune.host.cpu.CpuSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Item 2: tune one running VM (attach: connect, discover, groups, values, attach, affinity) at
 * N vCPUs, against tunefloor.c on the same VM and layout, alternating qtune and C. Every iteration
 * is undone before the next (threads back to the root group, affinity reset, groups removed).
 * "idle" runs wait 300 ms first, so the first cgroup attach pays an RCU grace period.
 */
final class TuneBench {
  static final int IDLE_MS = 300;

  record Series(Sample qtune, Sample floor, Sample floorQmp, Sample floorCgroup, Sample open) {}

  private final Qtune qtune;
  private final BenchPartition partition;
  private final NativeTools tools;
  private final Path dir;
  private final int ncpu;
  private final int backToBack;
  private final int idle;
  private final int warmup;

  TuneBench(Qtune qtune, BenchPartition partition, NativeTools tools, Path dir, int ncpu, boolean quick) {
    this.qtune = qtune;
    this.partition = partition;
    this.tools = tools;
    this.dir = dir;
    this.ncpu = ncpu;
    this.backToBack = quick ? 5 : 30;
    this.idle = quick ? 3 : 15;
    this.warmup = quick ? 20 : 100;
  }

  /** Results keyed "N/b2b" and "N/idle". */
  Map<String, Series> run(int[] vcpuCounts) {
    Map<String, Series> out = new LinkedHashMap<>();
    for (int n : vcpuCounts) {
      try (QemuVm vm = QemuVm.start(dir, "tune" + n, n, 64, 1)) {
        Bench.log("tune: N=%d (QEMU pid %d)", n, vm.pid());
        // a manager is a long-lived process: qtune is measured warm (JIT), as the C floor is
        // compiled ahead of time; the CLI's cold start is measured on its own (docs/cli.md)
        for (int i = 0; i < warmup; i++) {
          qtuneOnce(vm, n, "w" + i, 0);
        }
        for (int i = 0; i < 3; i++) { // partition creation, first touch of the kernel paths
          floorOnce(vm, n, "w" + i, 0);
        }
        out.put(n + "/b2b", series(vm, n, backToBack, 0, true));
        out.put(n + "/idle", series(vm, n, idle, IDLE_MS, false));
      }
    }
    return out;
  }

  private Series series(QemuVm vm, int n, int count, int idleMs, boolean withOpen) {
    List<Long> q = new ArrayList<>();
    List<Long> f = new ArrayList<>();
    List<Long> fq = new ArrayList<>();
    List<Long> fc = new ArrayList<>();
    List<Long> open = new ArrayList<>();
    String tag = idleMs > 0 ? "i" : "b";
    for (int i = 0; i < count; i++) {
      boolean qtuneFirst = i % 2 == 0;
      for (int k = 0; k < 2; k++) {
        if ((k == 0) == qtuneFirst) {
          q.add(qtuneOnce(vm, n, tag + i, idleMs));
        } else {
          long[] r = floorOnce(vm, n, tag + i, idleMs);
          f.add(r[0]);
          fq.add(r[1]);
          fc.add(r[2] + r[3]);
        }
      }
      if (withOpen) {
        long t0 = System.nanoTime();
        Vm v = qtune.open(vm.socket()).join();
        open.add(System.nanoTime() - t0);
        v.close();
      }
    }
    return new Series(Sample.of(q), Sample.of(f), Sample.of(fq), Sample.of(fc), Sample.of(open));
  }

  private long qtuneOnce(QemuVm vm, int n, String iter, int idleMs) {
    TuningSpec spec = Specs.spec("q" + n + iter, n, ncpu, true);
    if (idleMs > 0) {
      Bench.sleep(idleMs);
    }
    long t0 = System.nanoTime();
    Vm v = qtune.attach(vm.socket(), spec).join();
    long took = System.nanoTime() - t0;
    String domain = lastComponent(v.domainPath());
    v.close();
    partition.reset(vm.pid(), domain, CpuSet.range(0, ncpu - 1));
    return took;
  }

  private long[] floorOnce(QemuVm vm, int n, String iter, int idleMs) {
    // same length as qtune's "qemu-1-q<N><iter>.libvirt-qemu"
    String domain = "qemu-1-c" + n + iter + ".libvirt-qemu";
    long[] r = tools.tuneFloor(partition.dirName(), domain, vm.socket(), idleMs, Specs.PERIOD, Specs.QUOTA);
    partition.reset(vm.pid(), domain, CpuSet.range(0, ncpu - 1));
    return r;
  }

  static String lastComponent(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
