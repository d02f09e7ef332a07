package io.qtune.bench;

import io.qtune.core.Drift;
import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.core.Vm;
import io.qtune.core.spec.TuningSpec;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Item 5, in a JVM of its own so the heap holds only qtune and its VMs: starts COUNT paused
 * 1-vCPU QEMUs, attaches and tunes them one after another from one {@link Qtune}, reports heap
 * after GC and threads, then times a drift check of all of them. Kills every QEMU at the end.
 * Prints {@code key=value} lines for the parent.
 */
public final class ScaleMain {
  private ScaleMain() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.parseInt(args[0]);
    Path dir = Path.of(args[1]);
    int ncpu = Runtime.getRuntime().availableProcessors();
    List<QemuVm> qemus = new ArrayList<>();
    List<Vm> vms = new ArrayList<>();
    try (BenchPartition partition = new BenchPartition()) {
      long s0 = System.nanoTime();
      QemuVm.startMany(dir, "s", count, 1, 32, qemus);
      out("start_ns", System.nanoTime() - s0);
      Path state = Files.createDirectories(dir.resolve("scale-state"));
      try (Qtune qtune = Qtune.create(QtuneOptions.defaults().withPartition(partition.partition()).withStateDir(state))) {
        gc();
        long heap0 = heapUsed();
        int threads0 = ManagementFactory.getThreadMXBean().getThreadCount();
        List<TuningSpec> specs = new ArrayList<>();
        List<Long> each = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
          TuningSpec spec = Specs.spec("s" + i, 1, ncpu, false);
          specs.add(spec);
          long a = System.nanoTime();
          vms.add(qtune.attach(qemus.get(i).socket(), spec).join());
          each.add(System.nanoTime() - a);
        }
        out("attach_total_ns", System.nanoTime() - t0);
        Sample s = Sample.of(each);
        out("attach_each", s.format().replace(' ', '_'));
        gc();
        out("heap_before", heap0);
        out("heap_after", heapUsed());
        out("threads_before", threads0);
        out("threads_after", ManagementFactory.getThreadMXBean().getThreadCount());
        out("rss_kb", rssKb());
        int drifted = 0;
        long d0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
          List<Drift> d = vms.get(i).diff(specs.get(i)).join();
          drifted += d.isEmpty() ? 0 : 1;
        }
        out("drift_total_ns", System.nanoTime() - d0);
        d0 = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<List<Drift>>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          all.add(vms.get(i).diff(specs.get(i)));
        }
        all.forEach(java.util.concurrent.CompletableFuture::join);
        out("drift_concurrent_ns", System.nanoTime() - d0);
        out("drifted", drifted);
        for (Vm vm : vms) {
          vm.close();
        }
      }
    } finally {
      for (QemuVm q : qemus) {
        q.close();
      }
    }
    System.exit(0); // Netty's GlobalEventExecutor is non-daemon
  }

  private static void out(String key, Object value) {
    System.out.println(key + "=" + value);
    System.out.flush();
  }

  private static void gc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long rssKb() throws java.io.IOException {
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
