package io.qtune.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The data points of one scrape, gathered per family and turned into the client's snapshots. */
final class Families {
  private final Map<Family, List<Object>> points = new EnumMap<>(Family.class);

  void add(Family f, Labels labels, double value) {
    List<Object> l = points.computeIfAbsent(f, k -> new ArrayList<>());
    l.add(f.counter
        ? CounterDataPointSnapshot.builder().labels(labels).value(value).build()
        : GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
  }

  /** Every family with at least one point, in {@link Family} order. */
  List<MetricSnapshot> snapshots() {
    List<MetricSnapshot> out = new ArrayList<>();
    for (Map.Entry<Family, List<Object>> e : points.entrySet()) {
      Family f = e.getKey();
      if (f.counter) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(f.base).help(f.help);
        if (f.seconds) {
          b.unit(Unit.SECONDS);
        }
        e.getValue().forEach(p -> b.dataPoint((CounterDataPointSnapshot) p));
        out.add(b.build());
      } else {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(f.base).help(f.help);
        if (f.seconds) {
          b.unit(Unit.SECONDS);
        }
        e.getValue().forEach(p -> b.dataPoint((GaugeDataPointSnapshot) p));
        out.add(b.build());
      }
    }
    return out;
  }
}
