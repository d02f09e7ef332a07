package io.qtune.testkit;

import java.time.Duration;

/**
 * Every wait in a test that may run in a lane goes through here: one factor, set by where the
 * test runs ({@code QTUNE_TEST_TIME_SCALE}, which the lane exports; 1 on this host). A QEMU inside
 * the single-threaded TCG guest greets 15-30x slower than here, so no test waits a fixed few
 * seconds. (qtune's own option records with scaled timeouts: core's {@code testing.TestOptions}.)
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
}
