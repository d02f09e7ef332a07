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
import java.util.LinkedHashMap;
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
 * Reads every VM of a {@link Qtune} when the registry is scraped. Every VM's QEMU is sent a
 * query-status at once, and each VM's drift check (QMP and sysfs work, on two worker threads)
 * follows its round trip; meanwhile the kernel's counters are read on the scraping thread. Whatever
 * has not answered when the probe budget is spent is left out of this scrape.
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
    long t0 = System.nanoTime();
    long deadline = t0 + budget.toNanos();
    List<Vm> vms = distinct(list.get());
    Families out = new Families();
    out.add(Family.VMS, Labels.EMPTY, vms.size());
    // every VM is asked at once; each one's drift check follows its own round trip, so no check
    // talks to a QEMU while its round trip is timed
    Map<Vm, CompletableFuture<Long>> rtts = new LinkedHashMap<>();
    Map<Vm, CompletableFuture<Integer>> drifts = new LinkedHashMap<>();
    for (Vm vm : vms) {
      CompletableFuture<Long> rtt = roundTrip(vm);
      rtts.put(vm, rtt);
      drifts.put(vm, rtt.handle((r, e) -> null).thenCompose(x -> driftCheck(vm)));
    }
    for (Vm vm : vms) {
      kernel(out, vm);
    }
    long t1 = System.nanoTime();
    for (Vm vm : vms) {
      Long ns = await(rtts.get(vm), deadline);
      if (ns != null) {
        out.add(Family.QMP_RTT, Labels.of("vm", vm.name()), ns / 1e9);
      }
    }
    long t2 = System.nanoTime();
    for (Vm vm : vms) {
      Integer n = await(drifts.get(vm), deadline);
      if (n != null) {
        out.add(Family.DRIFTS, Labels.of("vm", vm.name()), n);
      }
    }
    long t3 = System.nanoTime();
    out.add(Family.SCRAPE_PHASE, Labels.of("phase", "kernel"), (t1 - t0) / 1e9);
    out.add(Family.SCRAPE_PHASE, Labels.of("phase", "qmp_wait"), (t2 - t1) / 1e9);
    out.add(Family.SCRAPE_PHASE, Labels.of("phase", "drift_wait"), (t3 - t2) / 1e9);
    return new MetricSnapshots(out.snapshots());
  }

  /**
   * One VM per name, sorted: the same QEMU can be held twice (through two QMP monitors), and two
   * entries with one name would repeat every label set, which the client refuses for the whole
   * scrape. The first by pid is kept.
   */
  private static List<Vm> distinct(List<Vm> all) {
    Map<String, Vm> byName = new java.util.TreeMap<>();
    all.stream().sorted(Comparator.comparingInt(Vm::pid)).forEach(vm -> {
      Vm kept = byName.putIfAbsent(vm.name(), vm);
      if (kept != null && kept != vm) {
        LOG.debug("VM {} (pid {}) is held twice: scraped once, as pid {}", vm.name(), vm.pid(), kept.pid());
      }
    });
    return List.copyOf(byName.values());
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
    CompletableFuture<Integer> f = new CompletableFuture<>();
    CompletableFuture<Integer> earlier = running.putIfAbsent(vm, f);
    if (earlier != null) {
      return earlier;
    }
    checks.execute(() -> {
      try {
        int n = vm.diff(vm.spec()).join().size();
        running.remove(vm, f);
        f.complete(n);
      } catch (Throwable e) {
        running.remove(vm, f);
        f.completeExceptionally(e);
      }
    });
    return f;
  }

  /**
   * A query-status, timed from its send to its reply as the event loop completes it (a reply
   * decoded right after others waits for them: ~10 µs each).
   */
  private static CompletableFuture<Long> roundTrip(Vm vm) {
    if (!vm.qmp().isOpen()) {
      return CompletableFuture.failedFuture(new IllegalStateException("QMP connection closed"));
    }
    long t0 = System.nanoTime();
    return vm.qmp().execute("query-status").thenApply(r -> System.nanoTime() - t0);
  }

  private static <T> T await(CompletableFuture<T> f, long deadline) {
    try {
      return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      return null; // failed (QEMU gone) or still running: no sample in this scrape
    }
  }
}
