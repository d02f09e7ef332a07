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
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * Item 3: live operations in-process on one attached 2-vCPU VM, each call joined from the caller
 * (what an API user sees). Values alternate so every call changes something. With libvirt
 * ({@code --with-libvirt}), each round runs every operation on qtune's VM, through libvirt's API and
 * as a line of a persistent virsh on libvirt's equivalent (paused) domain, in an order rotated per
 * round; every {@link #oneShotEvery}th round also as one {@code virsh} process.
 */
final class LiveOpsBench {
  static final String VCPUPIN = "vcpupin";
  static final String EMULATORPIN = "emulatorpin";
  static final String SCHEDINFO = "schedinfo set";
  static final String IOTHREAD_PAIR = "iothread add+del";
  /** Key suffix of the steady-state figures: one operation many times in a row, nothing between. */
  static final String BACK_TO_BACK = " back-to-back";

  /** qtune's samples, and libvirt's (empty without libvirt) per operation: API, virsh shell line, one virsh. */
  record Result(Map<String, Sample> qtune, Map<String, Sample> api, Map<String, Sample> shell,
      Map<String, Sample> virsh) {}

  private final Qtune qtune;
  private final BenchPartition partition;
  private final Path dir;
  private final int ncpu;
  private final int n;
  private final int oneShotEvery;
  private final Optional<Libvirt> libvirt;

  LiveOpsBench(Qtune qtune, BenchPartition partition, Path dir, int ncpu, boolean quick, Optional<Libvirt> libvirt) {
    this.qtune = qtune;
    this.partition = partition;
    this.dir = dir;
    this.ncpu = ncpu;
    this.n = quick ? 30 : 300;
    this.oneShotEvery = quick ? 6 : 15; // 5 or 20 one-shot virsh per operation
    this.libvirt = libvirt;
  }

  /** One operation, value {@code i & 1}: libvirt's API command and virsh arguments for the same change. */
  private record Op(IntConsumer qtune, java.util.function.IntFunction<String> api,
      java.util.function.IntFunction<String> virsh) {}

  Result run() {
    libvirt.ifPresent(lv -> lv.api("startpaused"));
    try (QemuVm qemu = QemuVm.start(dir, "liveops", 2, 64, 1)) {
      Vm vm = qtune.attach(qemu.socket(), Specs.spec("liveops", 2, ncpu, true)).join();
      try {
        String last = String.valueOf(ncpu - 1);
        String dom = libvirt.map(Libvirt::domain).orElse("");
        Map<String, Op> ops = new LinkedHashMap<>();
        ops.put(VCPUPIN, new Op(i -> vm.pins().vcpu(0, i % 2 == 0 ? last : "0").join(),
            i -> "vcpupin 0 " + (i % 2 == 0 ? last : "0"),
            i -> "vcpupin " + dom + " 0 " + (i % 2 == 0 ? last : "0") + " --live"));
        ops.put(EMULATORPIN, new Op(i -> vm.pins().emulator(i % 2 == 0 ? "0" : "0-" + last).join(),
            i -> "emulatorpin " + (i % 2 == 0 ? "0" : "0-" + last),
            i -> "emulatorpin " + dom + " " + (i % 2 == 0 ? "0" : "0-" + last) + " --live"));
        ops.put(SCHEDINFO, new Op(
            i -> vm.scheduler().set(new SchedParams().parse("vcpu_quota=" + (i % 2 == 0 ? 30000 : 20000))).join(),
            i -> "schedinfo " + (i % 2 == 0 ? 30000 : 20000),
            i -> "schedinfo " + dom + " --live --set vcpu_quota=" + (i % 2 == 0 ? 30000 : 20000)));
        ops.put(IOTHREAD_PAIR, new Op(i -> {
          vm.iothreads().add(IothreadSpec.of(3)).join();
          vm.iothreads().delete(3).join();
        }, i -> "iothreadpair 3", null));
        Map<String, List<Long>> t = new LinkedHashMap<>();
        Map<String, List<Long>> api = new LinkedHashMap<>();
        Map<String, List<Long>> shell = new LinkedHashMap<>();
        Map<String, List<Long>> virsh = new LinkedHashMap<>();
        // warm the JIT first, as in a long-lived manager: the cheap ops many times, all ops a few
        for (int i = 0; i < 20000; i++) { // C2 compiles after ~10k calls
          ops.get(VCPUPIN).qtune().accept(i & 1);
          ops.get(EMULATORPIN).qtune().accept(i & 1);
          ops.get(SCHEDINFO).qtune().accept(i & 1);
        }
        for (int i = -20; i < n; i++) { // 20 warm-up rounds of everything
          for (Map.Entry<String, Op> e : ops.entrySet()) {
            String key = e.getKey();
            Op op = e.getValue();
            int v = i & 1;
            int round = i;
            for (int k = 0; k < 3; k++) {
              switch ((k + Math.floorMod(i, 3)) % 3) { // who goes first rotates per round
                case 0 -> {
                  long t0 = System.nanoTime();
                  op.qtune().accept(v);
                  record(t, key, i, System.nanoTime() - t0);
                }
                case 1 -> libvirt.ifPresent(lv -> record(api, key, 0, lv.api(op.api().apply(v))));
                default -> libvirt.ifPresent(lv -> {
                  record(shell, key, 0, lv.shell(shellLine(op, key, dom, v)));
                  if (round >= 0 && round % oneShotEvery == 0) {
                    record(virsh, key, 0, oneShot(lv, op, key, dom, v));
                  }
                });
              }
            }
          }
          if (i == -1) { // libvirt's warm-up rounds are dropped here (qtune's by record's i)
            api.clear();
            shell.clear();
          }
        }
        Map<String, Sample> out = samples(t);
        // the mix above is what a manager sees (each op after other work, the iothread pair's cgroup
        // attach and rmdir among them); the same ops in a row show the operation's own cost
        for (String op : List.of(VCPUPIN, EMULATORPIN, SCHEDINFO)) {
          List<Long> perOp = new ArrayList<>();
          for (int r = 0; r < (n >= 300 ? 7 : 3); r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
              ops.get(op).qtune().accept(i & 1);
            }
            perOp.add((System.nanoTime() - t0) / 1000);
          }
          out.put(op + BACK_TO_BACK, Sample.of(perOp));
        }
        return new Result(out, samples(api), samples(shell), samples(virsh));
      } finally {
        String domain = TuneBench.lastComponent(vm.domainPath());
        vm.close();
        partition.reset(qemu.pid(), domain, io.qtune.host.cpu.CpuSet.range(0, ncpu - 1));
      }
    } finally {
      libvirt.ifPresent(lv -> lv.api("destroy"));
    }
  }

  private static String shellLine(Op op, String key, String dom, int v) {
    return key.equals(IOTHREAD_PAIR)
        ? "iothreadadd " + dom + " 3 --live\niothreaddel " + dom + " 3 --live"
        : op.virsh().apply(v);
  }

  private static long oneShot(Libvirt lv, Op op, String key, String dom, int v) {
    if (key.equals(IOTHREAD_PAIR)) {
      return lv.virsh("iothreadadd", dom, "3", "--live") + lv.virsh("iothreaddel", dom, "3", "--live");
    }
    return lv.virsh(op.virsh().apply(v).split(" "));
  }

  private static void record(Map<String, List<Long>> m, String key, int round, long ns) {
    if (round >= 0) {
      m.computeIfAbsent(key, k -> new ArrayList<>()).add(ns);
    }
  }

  private static Map<String, Sample> samples(Map<String, List<Long>> m) {
    Map<String, Sample> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, Sample.of(v)));
    return out;
  }
}
