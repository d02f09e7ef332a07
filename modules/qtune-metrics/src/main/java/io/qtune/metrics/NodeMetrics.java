package io.qtune.metrics;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.qtune.core.Qtune;
import io.qtune.core.Vm;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The Prometheus metrics of one node: what the kernel says about every VM a {@link Qtune} holds
 * (read at scrape time, nothing cached between scrapes) and the latency of the operations its
 * caller reports. The text is written by the official client (Prometheus text format 0.0.4).
 * Thread-safe; scrapes may run concurrently. See docs/metrics.md for every metric.
 *
 * <pre>{@code
 * NodeMetrics metrics = new NodeMetrics(qtune);
 * metrics.operation("vcpupin", Duration.ofNanos(t1 - t0), true);
 * response.header("Content-Type", metrics.contentType());
 * metrics.writeText(response.body());
 * }</pre>
 */
public final class NodeMetrics {
  /** How long one scrape waits, in all, for the VMs' QMP round trips and drift checks. */
  public static final Duration DEFAULT_PROBE_BUDGET = Duration.ofSeconds(5);

  /** 100 µs (a cgroup write) to 10 s (a disk detach waiting for the guest). */
  private static final double[] LATENCY_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Histogram operations;
  private final VmCollector collector;

  /** Metrics of the VMs {@code qtune} holds, with the default probe budget. */
  public NodeMetrics(Qtune qtune) {
    this(qtune, DEFAULT_PROBE_BUDGET);
  }

  /**
   * @param probeBudget how long one scrape waits for QMP round trips and drift checks together; a
   *     VM that has not answered by then has no round-trip or drift sample in that scrape
   */
  public NodeMetrics(Qtune qtune, Duration probeBudget) {
    this(qtune, probeBudget, qtune::vms);
  }

  /** With the VMs to read given: a test lists a VM whose QEMU is gone, as a scrape racing its exit sees it. */
  NodeMetrics(Qtune qtune, Duration probeBudget, Supplier<List<Vm>> vms) {
    Objects.requireNonNull(qtune, "qtune");
    if (probeBudget.isNegative() || probeBudget.isZero()) {
      throw new IllegalArgumentException("probeBudget must be positive, got " + probeBudget);
    }
    this.operations = Histogram.builder()
        .name("qtune_operation_duration_seconds")
        .help("Latency of qtune operations as their caller reports them, by operation and outcome (ok, error)")
        .unit(Unit.SECONDS)
        .labelNames("operation", "outcome")
        .classicOnly()
        .classicUpperBounds(LATENCY_BUCKETS)
        .register(registry);
    this.collector = new VmCollector(qtune, vms, probeBudget);
    registry.register(collector);
  }

  /**
   * Records one operation: {@code op} is a short fixed name (a verb or route, e.g. {@code vcpupin},
   * never a VM name or user input: every value is a series of its own).
   */
  public void operation(String op, Duration latency, boolean ok) {
    Objects.requireNonNull(op, "op");
    operations.labelValues(op, ok ? "ok" : "error").observe(Math.max(0, latency.toNanos()) / 1e9);
  }

  /**
   * Scrapes now (reads /proc and the cgroup files of every VM, asks each VM's QEMU query-status and
   * checks it for drift) and writes the Prometheus text format to {@code out}. A VM or thread that
   * vanishes meanwhile is left out, never an error. {@code out} is not closed.
   */
  public void writeText(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }

  /** {@code text/plain; version=0.0.4; charset=utf-8}: the Content-Type of {@link #writeText}. */
  public String contentType() {
    return writer.getContentType();
  }
}
