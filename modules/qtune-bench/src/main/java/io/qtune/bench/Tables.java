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

  /** Goals of issue 15, as "at least this many times faster than libvirt's API, same run". */
  static double liveGoal(String op) {
    return op.equals(LiveOpsBench.IOTHREAD_PAIR) ? 1.5 : 20;
  }

  static List<Row> live(LiveOpsBench.Result r) {
    List<Row> rows = new ArrayList<>();
    boolean lv = !r.api().isEmpty();
    r.qtune().forEach((op, s) -> {
      if (op.endsWith(LiveOpsBench.BACK_TO_BACK)) {
        String base = op.substring(0, op.length() - LiveOpsBench.BACK_TO_BACK.length());
        Sample api = r.api().get(base);
        rows.add(Row.info("3", "… " + base + ", 1,000 in a row (mean per op of each round)", s.format(),
            lv ? "libvirt API in the mix: " + api.format() : "–",
            lv ? String.format("%.1f× faster than the API", api.median() / s.median()) : "–"));
        return;
      }
      double goal = liveGoal(op);
      String goalText = String.format("≥ %s× faster than libvirt's API", goal == 20 ? "20" : "1.5");
      if (!lv) {
        rows.add(new Row("3", op + " (in-process, joined, in the mix)", s.formatWithP99(), "–", "–", goalText,
            "– (bench/run --with-libvirt)"));
        return;
      }
      Sample api = r.api().get(op);
      Sample virsh = r.virsh().get(op);
      double faster = api.median() / s.median();
      rows.add(new Row("3", op + " (in-process, joined, in the mix)", s.formatWithP99(),
          "libvirt API: " + api.formatWithP99() + "; virsh shell line: " + r.shell().get(op).format()
              + "; one virsh: " + (virsh == null ? "–" : virsh.format()),
          String.format("%.1f× faster than the API", faster), goalText,
          faster >= goal ? "met" : String.format("missed: %.2f× (needs ≤ %s)", faster,
              Sample.Unit.of(api.median() / goal).fmt(api.median() / goal) + " "
                  + Sample.Unit.of(api.median() / goal).name)));
    });
    return rows;
  }

  static List<Row> launch(LaunchBench.Result r) {
    List<Row> rows = new ArrayList<>();
    rows.add(Row.ratio("4", "launch 2 vCPUs + iothread → placed + `cont` acked, vs QEMU exec → QMP greeting",
        r.qtune(), "C floor", r.floor(), 1.1));
    rows.add(Row.info("4", "… vs QEMU exec → `cont` answered (greeting, `qmp_capabilities`, `cont`: QEMU's start-up "
        + "until it runs the VM, no placement)", r.qtune().format(), "C floor to running: " + r.floorRunning().format(),
        String.format("%.2f×", r.qtune().median() / r.floorRunning().median())));
    if (r.virshStart().n() > 0) {
      double floorFaster = r.virshStart().median() / r.floorRunning().median();
      rows.add(Row.info("4", "… `virsh start` vs the C floor to running (the most any client could be faster)",
          r.floorRunning().format(), "virsh start: " + r.virshStart().format(),
          String.format("%.1f× faster", floorFaster)));
      double faster = r.virshStart().median() / r.qtune().median();
      rows.add(new Row("4", "… qtune launch vs `virsh start` of the same VM (one virsh: connect, start, running)",
          r.qtune().format(), "virsh start: " + r.virshStart().format() + "; (libvirt API destroy after it: "
              + r.libvirtDestroy().format() + ")",
          String.format("%.1f× faster", faster), "≥ 10× faster than virsh start",
          faster >= 10 ? "met" : String.format("missed: %.1f×", faster)));
    }
    return rows;
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
