package io.qtune.it;

import java.util.ArrayList;
import java.util.List;

/**
 * The soak's pass rule. Samples: "start" (after a warm-up cycle, before the run's Qtune exists), one every N cycles
 * (Qtune open, no VM alive), "end" (Qtune closed, ./qtune gc run).
 * <ul>
 *   <li>cgroup directories under the partition, state files and QEMU processes equal the start's
 *       at every sample (between cycles nothing may be left);</li>
 *   <li>at the end, open fds and Java threads are at most the start's (Qtune closed);</li>
 *   <li>no upward trend while running: for fds, threads, cgroups, state files and QEMUs the last
 *       sample is no higher than the highest of the first half of the in-run samples; heap after GC:
 *       the least-squares growth over the run is under max(2 MiB, 10 % of the first in-run sample).</li>
 * </ul>
 */
final class SoakVerdict {
  static final String RULE = "cgroups, state files, QEMUs at baseline at every sample; fds and threads back at "
      + "baseline at the end; no in-run sample after the first half above the first half's highest; heap "
      + "growth (least squares) < max(2 MiB, 10 %)";

  private SoakVerdict() {}

  /** What is broken; empty when the soak passed. */
  static List<String> judge(List<SoakSample> samples) {
    List<String> broken = new ArrayList<>();
    SoakSample start = samples.get(0);
    SoakSample end = samples.get(samples.size() - 1);
    List<SoakSample> run = samples.subList(1, samples.size() - 1);
    for (SoakSample s : samples) {
      for (int c : new int[] {3, 4, 5}) {
        if (s.value(c) != start.value(c)) {
          broken.add(SoakSample.COLUMNS.get(c) + " at " + s.at() + ": " + s.value(c) + ", baseline " + start.value(c));
        }
      }
    }
    for (int c : new int[] {0, 1}) {
      if (end.value(c) > start.value(c)) {
        broken.add(SoakSample.COLUMNS.get(c) + " at the end: " + end.value(c) + ", baseline " + start.value(c));
      }
    }
    if (run.size() >= 2) {
      int half = (run.size() + 1) / 2;
      for (int c : new int[] {0, 1, 3, 4, 5}) {
        long firstMax = run.subList(0, half).stream().mapToLong(s -> s.value(c)).max().orElseThrow();
        long last = run.get(run.size() - 1).value(c);
        if (last > firstMax) {
          broken.add(SoakSample.COLUMNS.get(c) + " trend: last " + last + " above the first half's highest " + firstMax);
        }
      }
      double growthKib = slope(run) * (cycle(run.get(run.size() - 1)) - cycle(run.get(0)));
      double allowed = Math.max(2048, run.get(0).heapKib() * 0.10);
      if (growthKib >= allowed) {
        broken.add(String.format("heap trend: +%.0f KiB over the run (allowed < %.0f KiB)", growthKib, allowed));
      }
    }
    return broken;
  }

  private static double cycle(SoakSample s) {
    return Double.parseDouble(s.at());
  }

  /** Least-squares slope of heap KiB per cycle. */
  static double slope(List<SoakSample> run) {
    double n = run.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (SoakSample s : run) {
      double x = cycle(s);
      double y = s.heapKib();
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    double d = n * sxx - sx * sx;
    return d == 0 ? 0 : (n * sxy - sx * sy) / d;
  }
}
