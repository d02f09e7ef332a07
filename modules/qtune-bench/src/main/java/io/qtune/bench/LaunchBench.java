package io.qtune.bench;

import io.qtune.core.LaunchOptions;
import io.qtune.core.Qtune;
import io.qtune.core.Vm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Item 4: {@code qtune.launch} of a 2-vCPU VM with one iothread until its threads are placed and
 * {@code cont} is acknowledged, against the floor (the C client fork+exec'ing the same QEMU command
 * line, {@code -S}, QMP socket, until the greeting, and until {@code cont} is answered) and, with libvirt, {@code virsh start} of the
 * equivalent domain (one process: connect, start, placement, running). In turns, order rotated,
 * one VM at a time.
 */
final class LaunchBench {
  /**
   * @param floor the C client: QEMU exec to the QMP greeting
   * @param floorRunning the same QEMU to {@code cont} answered (greeting, {@code qmp_capabilities},
   *     {@code cont}): what any client waits for before a VM runs, QEMU's start-up included
   */
  record Result(Sample qtune, Sample floor, Sample floorRunning, Sample virshStart, Sample libvirtDestroy) {}

  private final Qtune qtune;
  private final NativeTools tools;
  private final Path dir;
  private final int ncpu;
  private final int n;
  private final Optional<Libvirt> libvirt;

  LaunchBench(Qtune qtune, NativeTools tools, Path dir, int ncpu, boolean quick, Optional<Libvirt> libvirt) {
    this.qtune = qtune;
    this.tools = tools;
    this.dir = dir;
    this.ncpu = ncpu;
    this.n = quick ? 3 : 15;
    this.libvirt = libvirt;
  }

  Result run() {
    List<Long> q = new ArrayList<>();
    List<Long> f = new ArrayList<>();
    List<Long> fr = new ArrayList<>();
    List<Long> lv = new ArrayList<>();
    List<Long> lvDestroy = new ArrayList<>();
    int ways = libvirt.isPresent() ? 3 : 2;
    for (int i = -1; i < n; i++) { // one warm-up each
      for (int k = 0; k < ways; k++) {
        switch ((k + i + 1) % ways) {
          case 0 -> {
            long t = qtuneOnce("ql" + (i + 1));
            if (i >= 0) {
              q.add(t);
            }
          }
          case 1 -> {
            String name = "cl" + (i + 1);
            List<String> args = QemuVm.args(2, 64, name, 1);
            Path socket = dir.resolve(name + ".qmp");
            args.addAll(List.of("-S", "-qmp", "unix:" + socket + ",server=on,wait=off"));
            long[] t = tools.launchFloors(socket, args);
            if (i >= 0) {
              f.add(t[0]);
              fr.add(t[1]);
            }
          }
          default -> {
            Libvirt l = libvirt.orElseThrow();
            long t = l.virsh("start", l.domain());
            long d = l.api("destroy");
            if (i >= 0) {
              lv.add(t);
              lvDestroy.add(d);
            }
          }
        }
      }
    }
    return new Result(Sample.of(q), Sample.of(f), Sample.of(fr), Sample.of(lv), Sample.of(lvDestroy));
  }

  private long qtuneOnce(String name) {
    LaunchOptions opts = LaunchOptions.defaults().withQmpSocket(dir.resolve(name + ".qmp"));
    long t0 = System.nanoTime();
    Vm vm = qtune.launch(Specs.spec(name, 2, ncpu, true), QemuVm.args(2, 64, name, 1), opts).join();
    long t = System.nanoTime() - t0;
    try {
      vm.destroy().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      ProcessHandle.of(vm.pid()).ifPresent(ProcessHandle::destroyForcibly);
      Bench.log("launch: destroy of %s: %s", name, e);
    }
    return t;
  }
}
