package io.qtune.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns measurements into table rows (every ratio is between two things measured in this run). */
final class Tables {
  private Tables() {}

  static List<Row> qmp(QmpBench.Result r) {
    List<Row> rows = new ArrayList<>();
    Sample raw = Sample.of(r.rtt().get(QmpBench.RAW));
    Sample c = Sample.of(r.rtt().get(QmpBench.C));
    Sample join = Sample.of(r.rtt().get(QmpBench.QTUNE_JOIN));
    rows.add(rtt("1", "query-status round trip, sequential: qtune `join()` vs JDK raw client", join,
        QmpBench.RAW, raw, 1.1));
    rows.add(rtt("1", "… qtune `join()` vs C client", join, QmpBench.C, c, Double.NaN));
    rows.add(rtt("1", "… JDK raw client vs C client", raw, QmpBench.C, c, Double.NaN));
    rows.add(rtt("1", "… qtune chained on the event loop (no thread hop) vs JDK raw",
        Sample.of(r.rtt().get(QmpBench.QTUNE_LOOP)), QmpBench.RAW, raw, Double.NaN));
    rows.add(rtt("1", "… qtune caller spin-waits (hop to the loop, no park/unpark) vs JDK raw",
        Sample.of(r.rtt().get(QmpBench.QTUNE_SPIN)), QmpBench.RAW, raw, Double.NaN));
    StringBuilder rounds = new StringBuilder();
    r.roundMedians().forEach((k, v) -> rounds.append(k).append(": ").append(Sample.of(v).format()).append("; "));
    rows.add(Row.info("1", "… medians of the rounds (spread between rounds)", rounds.toString(), "", ""));
    long[] qp = r.pipeRps().get("qtune");
    long[] rp = r.pipeRps().get(QmpBench.RAW);
    long[] cp = r.pipeRps().get(QmpBench.C);
    Sample q = Sample.of(qp);
    Sample rs = Sample.of(rp);
    Sample cs = Sample.of(cp);
    double ratio = q.median() / rs.median();
    rows.add(new Row("1", "pipelined query-status, OOB, 8 in flight: qtune vs JDK raw", rps(q),
        "JDK raw: " + rps(rs) + "; C: " + rps(cs), String.format("%.2f× time/req (C: %.2f×)", ratio,
            q.median() / cs.median()),
        "≤ 1.1×", verdict(ratio, 1.1)));
    return rows;
  }

  private static Row rtt(String sec, String what, Sample q, String bName, Sample b, double goal) {
    double ratio = q.median() / b.median();
    return new Row(sec, what, q.formatWithP99(), bName + ": " + b.formatWithP99(), String.format("%.2f×", ratio),
        Double.isNaN(goal) ? "–" : String.format("≤ %.1f×", goal), Double.isNaN(goal) ? "–" : verdict(ratio, goal));
  }

  /** Sample of ns per request as requests per second (min rate from the slowest round). */
  private static String rps(Sample s) {
    return String.format("%,.0f req/s (%,.0f–%,.0f, n=%d rounds)", 1e9 / s.median(), 1e9 / s.max(), 1e9 / s.min(), s.n());
  }

  static String verdict(double ratio, double goal) {
    return ratio <= goal ? "met" : String.format("missed by %.0f%%", (ratio / goal - 1) * 100);
  }

  static List<Row> tune(Map<String, TuneBench.Series> m) {
    List<Row> rows = new ArrayList<>();
    m.forEach((k, s) -> {
      String[] p = k.split("/");
      String mode = p[1].equals("b2b") ? "back-to-back" : "after " + TuneBench.IDLE_MS + " ms idle";
      rows.add(Row.ratio("2", "tune one VM, N=" + p[0] + " vCPUs, " + mode + ": qtune attach (warm JVM) vs C floor",
          s.qtune(), "C floor", s.floor(), 1.3));
      String open = s.open().n() > 0 ? "; qtune.open (connect + discovery, no placement): " + s.open().format() : "";
      rows.add(Row.info("2", "… of which (C floor): QMP discovery / cgroup+affinity", "",
          s.floorQmp().format() + " / " + s.floorCgroup().format() + open, ""));
    });
    return rows;
  }

  static List<Row> live(Map<String, Sample> m, Map<String, double[]> libvirt) {
    List<Row> rows = new ArrayList<>();
    m.forEach((op, s) -> {
      if (op.endsWith(LiveOpsBench.BACK_TO_BACK)) {
        String base = op.substring(0, op.length() - LiveOpsBench.BACK_TO_BACK.length());
        double api = libvirt.get(base)[0];
        rows.add(Row.info("3", "… " + base + ", 1,000 in a row (mean per op of each round)", s.format(),
            String.format("libvirt reference (another run): python API %.2f ms", api),
            String.format("%.1f× faster than the API", api * 1e6 / s.median())));
        return;
      }
      double[] lv = libvirt.get(op);
      double faster = lv[0] * 1e6 / s.median();
      rows.add(new Row("3", op + " (in-process, joined)", s.formatWithP99(),
          String.format("libvirt reference (another run): python API %.2f ms; virsh shell %.2f ms; one virsh %.1f ms",
              lv[0], lv[1], lv[2]),
          String.format("%.1f× faster than the API", faster), "≥ 20× faster",
          faster >= 20 ? "met" : String.format("missed: %.1f× (needs ≤ %.0f µs)", faster, lv[0] * 1e3 / 20)));
    });
    return rows;
  }

  static Row launch(LaunchBench.Result r) {
    return Row.ratio("4", "launch 2 vCPUs → placed + `cont` acked, vs QEMU exec → QMP greeting",
        r.qtune(), "C floor", r.floor(), 1.1);
  }

  static List<Row> scale(int count, Map<String, String> s) {
    List<Row> rows = new ArrayList<>();
    double heapMb = Long.parseLong(s.get("heap_after")) / 1048576.0;
    double heap0 = Long.parseLong(s.get("heap_before")) / 1048576.0;
    rows.add(new Row("5", count + " VMs attached + tuned by one process: heap after GC",
        String.format("%.1f MB (%.1f MB before attaching; %.0f KB per VM)", heapMb, heap0,
            (heapMb - heap0) * 1024 / count),
        "–", "–", "≤ 64 MB", heapMb <= 64 ? "met" : String.format("missed by %.0f%%", (heapMb / 64 - 1) * 100)));
    rows.add(Row.info("5", "… attach all, one after another",
        ms(s.get("attach_total_ns")) + " total; each " + s.get("attach_each").replace('_', ' '), "", ""));
    rows.add(Row.info("5", "… JVM threads / RSS", s.get("threads_after") + " threads (" + s.get("threads_before")
        + " before attaching, of which about one JDK process-reaper per QEMU the bench started); RSS "
        + Long.parseLong(s.get("rss_kb")) / 1024 + " MB", "", ""));
    rows.add(Row.info("5", "… drift check (`vm.diff`) of all " + count,
        ms(s.get("drift_total_ns")) + " sequential, " + ms(s.get("drift_concurrent_ns")) + " all at once; "
            + s.get("drifted") + " drifted", "", ""));
    rows.add(Row.info("5", "… (starting the " + count + " QEMUs, 10 at a time; not qtune)", ms(s.get("start_ns")), "", ""));
    return rows;
  }

  private static String ms(String ns) {
    return String.format("%.1f ms", Long.parseLong(ns) / 1e6);
  }

  static String markdown(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("| # | measurement | qtune: median (min–max, n) | baseline, same run | ratio | goal | verdict |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      b.append("| ").append(r.section()).append(" | ").append(r.what()).append(" | ").append(r.qtune())
          .append(" | ").append(r.baseline()).append(" | ").append(r.ratio()).append(" | ").append(r.goal())
          .append(" | ").append(r.verdict()).append(" |\n");
    }
    return b.toString();
  }
}
