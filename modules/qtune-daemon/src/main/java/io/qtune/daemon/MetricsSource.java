package io.qtune.daemon;

import io.qtune.core.Qtune;
import io.qtune.metrics.NodeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Where {@code GET /metrics} comes from, and where each API operation's latency goes: the node's
 * Prometheus exposition (qtune-metrics' {@link NodeMetrics}, written by the official client), or
 * nothing (503).
 */
public interface MetricsSource {
  /** The exposition text, or empty when metrics are unavailable. */
  Optional<String> scrape();

  /** The exposition's Content-Type. */
  default String contentType() {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  /** Records one API operation ({@code op} is a route, never user input). */
  default void operation(String op, Duration latency, boolean ok) {}

  MetricsSource NONE = Optional::empty;

  /** The node's metrics for the VMs {@code qtune} holds. */
  static MetricsSource of(Qtune qtune) {
    NodeMetrics m = new NodeMetrics(qtune);
    return new MetricsSource() {
      @Override
      public Optional<String> scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
          m.writeText(out);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return Optional.of(out.toString(java.nio.charset.StandardCharsets.UTF_8));
      }

      @Override
      public String contentType() {
        return m.contentType();
      }

      @Override
      public void operation(String op, Duration latency, boolean ok) {
        m.operation(op, latency, ok);
      }
    };
  }
}
