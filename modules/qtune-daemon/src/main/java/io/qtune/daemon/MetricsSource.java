package io.qtune.daemon;

import java.util.Optional;

/**
 * Where {@code GET /metrics} comes from: the Prometheus text exposition of this node, or nothing
 * (503) while the build has no metrics module.
 */
@FunctionalInterface
public interface MetricsSource {
  /** The exposition text (format 0.0.4), or empty when metrics are unavailable. */
  Optional<String> scrape();

  MetricsSource NONE = Optional::empty;
}
