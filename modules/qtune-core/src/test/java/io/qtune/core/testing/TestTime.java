package io.qtune.core.testing;

import io.qtune.core.LaunchOptions;
import io.qtune.core.QtuneOptions;
import io.qtune.qmp.QmpOptions;
import java.time.Duration;

/**
 * Every wait in a test that may run in a lane goes through here: one factor, set by where the
 * test runs ({@code QTUNE_TEST_TIME_SCALE}, which the lane exports; 1 on this host). A QEMU inside
 * the single-threaded TCG guest greets 15-30x slower than here, so no test waits a fixed few
 * seconds.
 */
public final class TestTime {
  /** The factor every test timeout is multiplied by. */
  public static final double SCALE = parse(System.getenv("QTUNE_TEST_TIME_SCALE"));

  private TestTime() {}

  static double parse(String v) {
    if (v == null || v.isBlank()) {
      return 1;
    }
    double d = Double.parseDouble(v.trim());
    if (!(d >= 1)) {
      throw new IllegalArgumentException("QTUNE_TEST_TIME_SCALE must be a number >= 1, got '" + v + "'");
    }
    return d;
  }

  /** {@code d} scaled for where the test runs. */
  public static Duration of(Duration d) {
    return Duration.ofMillis((long) Math.ceil(d.toMillis() * SCALE));
  }

  public static Duration seconds(long s) {
    return of(Duration.ofSeconds(s));
  }

  /** {@code seconds(s)} in milliseconds, for APIs that take a number. */
  public static long millis(long s) {
    return seconds(s).toMillis();
  }

  /** qtune's defaults with the QMP connect and command timeouts scaled. */
  public static QtuneOptions options() {
    QmpOptions q = QmpOptions.defaults();
    // no periodic reconcile: tests that make drift on purpose must see it stay; ReconcileTest
    // turns it on where it is the subject
    return QtuneOptions.defaults().withQmp(q.withConnectTimeout(of(q.connectTimeout()))
        .withCommandTimeout(of(q.commandTimeout()))).withReconcileInterval(java.time.Duration.ZERO);
  }

  /** Launch defaults with the start timeout scaled. */
  public static LaunchOptions launch() {
    LaunchOptions d = LaunchOptions.defaults();
    return new LaunchOptions(d.qmpSocket(), d.stayPaused(), of(d.startTimeout()), d.log());
  }
}
