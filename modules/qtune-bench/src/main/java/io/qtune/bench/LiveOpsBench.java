package io.qtune.bench;

import io.qtune.core.Qtune;
import io.qtune.core.SchedParams;
import io.qtune.core.Vm;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Item 3: live operations in-process on one attached 2-vCPU VM, each call joined from the caller
 * (what an API user sees). Values alternate so every call changes something.
 */
final class LiveOpsBench {
  static final String VCPUPIN = "vcpupin";
  static final String EMULATORPIN = "emulatorpin";
  static final String SCHEDINFO = "schedinfo set";
  static final String IOTHREAD_PAIR = "iothread add+del";
  /** Key suffix of the steady-state figures: one operation many times in a row, nothing between. */
  static final String BACK_TO_BACK = " back-to-back";

  private final Qtune qtune;
  private final BenchPartition partition;
  private final Path dir;
  private final int ncpu;
  private final int n;

  LiveOpsBench(Qtune qtune, BenchPartition partition, Path dir, int ncpu, boolean quick) {
    this.qtune = qtune;
    this.partition = partition;
    this.dir = dir;
    this.ncpu = ncpu;
    this.n = quick ? 30 : 300;
  }

  Map<String, Sample> run() {
    try (QemuVm qemu = QemuVm.start(dir, "liveops", 2, 64, 1)) {
      Vm vm = qtune.attach(qemu.socket(), Specs.spec("liveops", 2, ncpu, true)).join();
      try {
        String last = String.valueOf(ncpu - 1);
        Map<String, IntConsumer> ops = new LinkedHashMap<>();
        ops.put(VCPUPIN, i -> vm.pins().vcpu(0, i % 2 == 0 ? last : "0").join());
        ops.put(EMULATORPIN, i -> vm.pins().emulator(i % 2 == 0 ? "0" : "0-" + last).join());
        ops.put(SCHEDINFO, i -> vm.scheduler().set(new SchedParams().parse("vcpu_quota=" + (i % 2 == 0 ? 30000 : 20000))).join());
        ops.put(IOTHREAD_PAIR, i -> {
          vm.iothreads().add(IothreadSpec.of(3)).join();
          vm.iothreads().delete(3).join();
        });
        Map<String, List<Long>> t = new LinkedHashMap<>();
        // warm the JIT first, as in a long-lived manager: the cheap ops many times, all ops a few
        for (int i = 0; i < 20000; i++) { // C2 compiles after ~10k calls
          ops.get(VCPUPIN).accept(i & 1);
          ops.get(EMULATORPIN).accept(i & 1);
          ops.get(SCHEDINFO).accept(i & 1);
        }
        for (int i = -20; i < n; i++) { // 20 warm-up rounds of everything
          for (Map.Entry<String, IntConsumer> op : ops.entrySet()) {
            long t0 = System.nanoTime();
            op.getValue().accept(i & 1);
            long d = System.nanoTime() - t0;
            if (i >= 0) {
              t.computeIfAbsent(op.getKey(), k -> new ArrayList<>()).add(d);
            }
          }
        }
        Map<String, Sample> out = new LinkedHashMap<>();
        t.forEach((k, v) -> out.put(k, Sample.of(v)));
        // the mix above is what a manager sees (each op after other work, the iothread pair's cgroup
        // attach and rmdir among them); the same ops in a row show the operation's own cost
        for (String op : List.of(VCPUPIN, EMULATORPIN, SCHEDINFO)) {
          List<Long> perOp = new ArrayList<>();
          for (int r = 0; r < (n >= 300 ? 7 : 3); r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
              ops.get(op).accept(i & 1);
            }
            perOp.add((System.nanoTime() - t0) / 1000);
          }
          out.put(op + BACK_TO_BACK, Sample.of(perOp));
        }
        return out;
      } finally {
        String domain = TuneBench.lastComponent(vm.domainPath());
        vm.close();
        partition.reset(qemu.pid(), domain, io.qtune.host.cpu.CpuSet.range(0, ncpu - 1));
      }
    }
  }
}
