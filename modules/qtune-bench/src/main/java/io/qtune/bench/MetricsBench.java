package io.qtune.bench;

import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.core.Vm;
import io.qtune.metrics.NodeMetrics;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code /metrics} scrape with N VMs attached (issue 12), in a JVM of its own so the heap holds
 * only qtune, its VMs and the metrics: starts N paused TCG QEMUs ({@code -smp 2 -m 16}, one
 * iothread), attaches and tunes them from one {@link Qtune}, then scrapes {@link NodeMetrics}
 * (kernel counters of 4 roles and 5 groups per VM, a QMP round trip and a drift check per VM) and
 * prints the scrape time, its size and the heap after GC before and after. Kills every QEMU at the
 * end. Run: {@code java -cp <bench class path> io.qtune.bench.MetricsBench [N] [scrapes]}.
 */
public final class MetricsBench {
  private MetricsBench() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int scrapes = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int ncpu = Runtime.getRuntime().availableProcessors();
    Path dir = Files.createTempDirectory("qtune-bench-metrics-");
    List<QemuVm> qemus = new ArrayList<>();
    try (BenchPartition partition = new BenchPartition()) {
      long s0 = System.nanoTime();
      QemuVm.startMany(dir, "m", count, 2, 16, qemus, 1);
      out("vms", count);
      out("start_ns", System.nanoTime() - s0);
      Path state = Files.createDirectories(dir.resolve("state"));
      try (Qtune qtune = Qtune.create(QtuneOptions.defaults().withPartition(partition.partition()).withStateDir(state))) {
        List<Vm> vms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          vms.add(qtune.attach(qemus.get(i).socket(), Specs.spec("m" + i, 2, ncpu, true)).join());
        }
        gc();
        long heapVms = heapUsed();
        NodeMetrics metrics = new NodeMetrics(qtune);
        String first = scrape(metrics); // class loading and the first drift checks
        List<Long> each = new ArrayList<>();
        List<Long> alloc = new ArrayList<>();
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        String text = first;
        for (int i = 0; i < scrapes; i++) {
          long a0 = tmx.getThreadAllocatedBytes(tid);
          long t0 = System.nanoTime();
          text = scrape(metrics);
          each.add(System.nanoTime() - t0);
          alloc.add(tmx.getThreadAllocatedBytes(tid) - a0);
        }
        gc();
        long heapAfter = heapUsed();
        long samples = text.lines().filter(l -> !l.startsWith("#")).count();
        out("scrape", Sample.of(each).formatWithP99().replace(' ', '_'));
        out("scrape_median_ns", (long) Sample.of(each).median());
        out("scrape_bytes", text.getBytes(StandardCharsets.UTF_8).length);
        out("scrape_samples", samples);
        out("drift_samples", text.lines().filter(l -> l.startsWith("qtune_vm_drifts{")).count());
        out("rtt_samples", text.lines().filter(l -> l.startsWith("qtune_qmp_roundtrip_seconds{")).count());
        text.lines().filter(l -> l.startsWith("qtune_scrape_phase_seconds{")).forEach(l -> out("last_" + l.replace(' ', '='), ""));
        out("load_average", Files.readString(Path.of("/proc/loadavg")).trim().replace(' ', '_'));
        out("scrape_thread_alloc_bytes_median", (long) Sample.of(alloc).median());
        out("heap_after_gc_with_vms", heapVms);
        out("heap_after_gc_after_scrapes", heapAfter);
        out("heap_total_committed", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted());
        System.out.printf("MetricsBench: %d VMs, scrape %s, %d samples, %d KB; heap after GC %.1f MB with the VMs,"
            + " %.1f MB after %d scrapes%n", count, Sample.of(each).format(), samples,
            text.length() / 1024, heapVms / 1e6, heapAfter / 1e6, scrapes);
        for (Vm vm : vms) {
          vm.close();
        }
      }
    } finally {
      for (QemuVm q : qemus) {
        q.close();
      }
      try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0); // Netty's GlobalEventExecutor is non-daemon
  }

  private static String scrape(NodeMetrics m) throws java.io.IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(1 << 20);
    m.writeText(b);
    return b.toString(StandardCharsets.UTF_8);
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
}
