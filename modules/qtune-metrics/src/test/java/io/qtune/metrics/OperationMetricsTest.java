package io.qtune.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.core.Qtune;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupSandbox;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operation latency histogram, as the client writes it, read back with the strict parser. */
class OperationMetricsTest {
  @TempDir java.nio.file.Path state;
  CgroupSandbox sandbox;
  Qtune qtune;

  @BeforeEach
  void start() {
    sandbox = new CgroupSandbox("metricstest");
    qtune = Qtune.create(TestOptions.options().withPartition(sandbox.partition()).withStateDir(state));
  }

  @AfterEach
  void stop() {
    try {
      qtune.close();
    } finally {
      sandbox.close();
    }
  }

  @Test
  void operationsLandInTheirBucketsByOutcome() {
    NodeMetrics m = new NodeMetrics(qtune);
    m.operation("vcpupin", Duration.ofMillis(3), true);
    m.operation("vcpupin", Duration.ofMillis(4), true);
    m.operation("vcpupin", Duration.ofSeconds(2), false);
    Exposition e = Exposition.parse(NodeMetricsTest.scrape(m));
    Map<String, String> ok = Map.of("operation", "vcpupin", "outcome", "ok");
    assertEquals("histogram", e.types.get("qtune_operation_duration_seconds"));
    assertEquals(0, e.one("qtune_operation_duration_seconds_bucket", with(ok, "le", "0.0025")).value());
    assertEquals(2, e.one("qtune_operation_duration_seconds_bucket", with(ok, "le", "0.005")).value());
    assertEquals(2, e.one("qtune_operation_duration_seconds_bucket", with(ok, "le", "+Inf")).value());
    assertEquals(2, e.one("qtune_operation_duration_seconds_count", ok).value());
    assertEquals(0.007, e.one("qtune_operation_duration_seconds_sum", ok).value(), 1e-9);
    Map<String, String> err = Map.of("operation", "vcpupin", "outcome", "error");
    assertEquals(0, e.one("qtune_operation_duration_seconds_bucket", with(err, "le", "1.0")).value());
    assertEquals(1, e.one("qtune_operation_duration_seconds_bucket", with(err, "le", "2.5")).value());
    assertEquals(0, e.one("qtune_vms", Map.of()).value());
  }

  /** A hostile operation name is a label value like any other: escaped by the client, parsed back. */
  @Test
  void aHostileOperationNameIsEscaped() {
    NodeMetrics m = new NodeMetrics(qtune);
    String hostile = "x\"} 1\n# TYPE evil counter\nevil 1 \\";
    m.operation(hostile, Duration.ofMillis(1), true);
    Exposition e = Exposition.parse(NodeMetricsTest.scrape(m));
    assertEquals(1, e.one("qtune_operation_duration_seconds_count", Map.of("operation", hostile, "outcome", "ok")).value());
    assertEquals(null, e.types.get("evil"));
  }

  static Map<String, String> with(Map<String, String> m, String k, String v) {
    Map<String, String> out = new java.util.HashMap<>(m);
    out.put(k, v);
    return out;
  }
}
