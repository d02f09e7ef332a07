package io.qtune.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.qtune.core.Qtune;
import io.qtune.core.Vm;
import io.qtune.core.VmThreads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every VM of a {@link Qtune} when the registry is scraped. First the QMP round trips, timed
 * one VM after another so that no reply waits behind another VM's; then the drift checks (QMP and
 * sysfs work) start on two worker threads while the kernel's counters are read on the scraping
 * thread. Whatever has not answered when the probe budget is spent is left out of this scrape.
 */
final class VmCollector implements MultiCollector {
  private static final Logger LOG = LoggerFactory.getLogger(VmCollector.class);

  private final Qtune qtune;
  private final Supplier<List<Vm>> list;
  private final Duration budget;
  private final Path root;
  private final ThreadSampler threads;
  private final GroupSampler groups = new GroupSampler();
  private final ExecutorService checks;
  /** A drift check still running from an earlier scrape is not started twice. */
  private final Map<Vm, CompletableFuture<Integer>> running = new ConcurrentHashMap<>();

  /** @param list the VMs to read at each scrape (the Qtune's own list; a test passes stale ones) */
  VmCollector(Qtune qtune, Supplier<List<Vm>> list, Duration budget) {
    this.qtune = qtune;
    this.list = list;
    this.budget = budget;
    this.root = qtune.cgroups().root();
    this.threads = new ThreadSampler(root);
    AtomicInteger n = new AtomicInteger();
    // two threads at most (drift checks are short kernel and QMP work); idle ones end
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(2, 2, 30,
        TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "qtune-metrics-drift-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    this.checks = pool;
  }

  @Override
  public MetricSnapshots collect() {
    long deadline = System.nanoTime() + budget.toNanos();
    List<Vm> vms = list.get().stream()
        .sorted(Comparator.comparing(Vm::name).thenComparingInt(Vm::pid)).toList();
    Families out = new Families();
    out.add(Family.VMS, Labels.EMPTY, vms.size());
    // round trips first, one at a time, while no drift check talks to QEMU
    long t0 = System.nanoTime();
    for (Vm vm : vms) {
      roundTrip(vm, deadline).ifPresent(ns -> out.add(Family.QMP_RTT, Labels.of("vm", vm.name()), ns / 1e9));
    }
    long t1 = System.nanoTime();
    Map<Vm, CompletableFuture<Integer>> drifts = new java.util.LinkedHashMap<>();
    for (Vm vm : vms) {
      drifts.put(vm, driftCheck(vm));
    }
    for (Vm vm : vms) {
      kernel(out, vm);
    }
    long t2 = System.nanoTime();
    for (Map.Entry<Vm, CompletableFuture<Integer>> e : drifts.entrySet()) {
      Integer n = await(e.getValue(), deadline);
      if (n != null) {
        out.add(Family.DRIFTS, Labels.of("vm", e.getKey().name()), n);
      }
    }
    long t3 = System.nanoTime();
    out.add(Family.SCRAPE_PHASE, Labels.of("phase", "qmp_roundtrips"), (t1 - t0) / 1e9);
    out.add(Family.SCRAPE_PHASE, Labels.of("phase", "kernel"), (t2 - t1) / 1e9);
    out.add(Family.SCRAPE_PHASE, Labels.of("phase", "drift_wait"), (t3 - t2) / 1e9);
    return new MetricSnapshots(out.snapshots());
  }

  /** Thread and group counters, read from /proc and the cgroup files now. */
  private void kernel(Families out, Vm vm) {
    try {
      if (!qtune.proc().isCurrent(vm.identity())) {
        return; // QEMU exited (and its pid may be another process's now): nothing of it to read
      }
      VmThreads t = vm.threads();
      List<Integer> tasks = qtune.proc().tasks(vm.pid());
      threads.sample(out, vm.name(), vm.pid(), ThreadRoles.of(t, tasks));
      vm.domainGroup().ifPresent(d -> groups.sample(out, vm.name(), d));
    } catch (RuntimeException e) {
      // a VM that vanishes while it is read costs its own samples, never the scrape
      LOG.debug("VM {}: left out of this scrape: {}", vm.name(), e.toString());
    }
  }

  private CompletableFuture<Integer> driftCheck(Vm vm) {
    return running.computeIfAbsent(vm, v -> {
      CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> v.diff(v.spec()).join().size(), checks);
      f.whenComplete((r, e) -> running.remove(v, f));
      return f;
    });
  }

  private java.util.Optional<Long> roundTrip(Vm vm, long deadline) {
    long left = deadline - System.nanoTime();
    if (left <= 0 || !vm.qmp().isOpen()) {
      return java.util.Optional.empty();
    }
    long t0 = System.nanoTime();
    try {
      vm.qmp().execute("query-status", Map.of(), Duration.ofNanos(left)).get(left, TimeUnit.NANOSECONDS);
      return java.util.Optional.of(System.nanoTime() - t0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return java.util.Optional.empty();
    } catch (Exception e) {
      LOG.debug("VM {}: query-status failed: {}", vm.name(), e.toString());
      return java.util.Optional.empty();
    }
  }

  private static Integer await(CompletableFuture<Integer> f, long deadline) {
    try {
      return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      return null; // failed (QEMU gone) or still running: no drift sample in this scrape
    }
  }
}
