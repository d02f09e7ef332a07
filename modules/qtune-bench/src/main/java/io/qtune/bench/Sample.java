package io.qtune.bench;

import java.util.Arrays;
import java.util.List;

/**
 * A set of measured durations in nanoseconds, summarised as median, p99, min and max.
 *
 * @param n number of measurements
 */
public record Sample(int n, double median, double p99, double min, double max) {

  public static Sample of(long[] ns) {
    if (ns.length == 0) {
      return new Sample(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    long[] s = ns.clone();
    Arrays.sort(s);
    return new Sample(s.length, percentile(s, 50), percentile(s, 99), s[0], s[s.length - 1]);
  }

  public static Sample of(List<Long> ns) {
    return of(ns.stream().mapToLong(Long::longValue).toArray());
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 1) {
      return sorted[0];
    }
    double rank = p / 100.0 * (sorted.length - 1);
    int lo = (int) Math.floor(rank);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
  }

  /** "264 µs (221–299, n=5)" in the unit that suits the median. */
  public String format() {
    Unit u = Unit.of(median);
    return u.fmt(median) + " " + u.name + " (" + u.fmt(min) + "–" + u.fmt(max) + ", n=" + n + ")";
  }

  public String formatWithP99() {
    Unit u = Unit.of(median);
    return u.fmt(median) + " " + u.name + ", p99 " + u.fmt(p99) + " (" + u.fmt(min) + "–" + u.fmt(max)
        + ", n=" + n + ")";
  }

  public enum Unit {
    NS("ns", 1), US("µs", 1e3), MS("ms", 1e6), S("s", 1e9);

    public final String name;
    final double div;

    Unit(String name, double div) {
      this.name = name;
      this.div = div;
    }

    public static Unit of(double ns) {
      if (ns >= 10e9) {
        return S;
      }
      if (ns >= 1e6) {
        return MS;
      }
      if (ns >= 1e3) {
        return US;
      }
      return NS;
    }

    public String fmt(double ns) {
      double v = ns / div;
      if (v >= 100) {
        return String.format("%.0f", v);
      }
      if (v >= 10) {
        return String.format("%.1f", v);
      }
      return String.format("%.2f", v);
    }
  }
}
