package io.qtune.bench;

import io.qtune.core.LaunchOptions;
import io.qtune.core.Qtune;
import io.qtune.core.Vm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Item 4: {@code qtune.launch} of a 2-vCPU VM until vCPUs are placed and {@code cont} is
 * acknowledged, against the floor: the C client fork+exec'ing the same QEMU command line
 * ({@code -S}, QMP socket) and reading the greeting. Alternating, one VM at a time.
 */
final class LaunchBench {
  record Result(Sample qtune, Sample floor) {}

  private final Qtune qtune;
  private final NativeTools tools;
  private final Path dir;
  private final int ncpu;
  private final int n;

  LaunchBench(Qtune qtune, NativeTools tools, Path dir, int ncpu, boolean quick) {
    this.qtune = qtune;
    this.tools = tools;
    this.dir = dir;
    this.ncpu = ncpu;
    this.n = quick ? 3 : 15;
  }

  Result run() {
    List<Long> q = new ArrayList<>();
    List<Long> f = new ArrayList<>();
    for (int i = -1; i < n; i++) { // one warm-up each
      boolean qtuneFirst = (i & 1) == 0;
      for (int k = 0; k < 2; k++) {
        if ((k == 0) == qtuneFirst) {
          long t = qtuneOnce("ql" + (i + 1));
          if (i >= 0) {
            q.add(t);
          }
        } else {
          String name = "cl" + (i + 1);
          List<String> args = QemuVm.args(2, 64, name);
          Path socket = dir.resolve(name + ".qmp");
          args.addAll(List.of("-S", "-qmp", "unix:" + socket + ",server=on,wait=off"));
          long t = tools.launchToGreeting(socket, args);
          if (i >= 0) {
            f.add(t);
          }
        }
      }
    }
    return new Result(Sample.of(q), Sample.of(f));
  }

  private long qtuneOnce(String name) {
    LaunchOptions opts = LaunchOptions.defaults().withQmpSocket(dir.resolve(name + ".qmp"));
    long t0 = System.nanoTime();
    Vm vm = qtune.launch(Specs.spec(name, 2, ncpu, false), QemuVm.args(2, 64, name), opts).join();
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
