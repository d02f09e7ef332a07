package io.qtune.qmp.model;

import java.util.regex.Pattern;

/**
 * Arguments of {@code object-add} for an {@code iothread} (QEMU 6.0+ flat form). {@code null}
 * members are omitted so QEMU applies its defaults (poll-max-ns 32768, thread-pool-max 64, ...).
 */
public record IothreadProperties(String id, Long pollMaxNs, Long pollGrow, Long pollShrink, Long aioMaxBatch,
    Integer threadPoolMin, Integer threadPoolMax) {

  // QOM ids: a letter, then letters, digits, '-', '.', '_' (qemu util/id.c id_wellformed)
  private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");

  public IothreadProperties {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("iothread id is '" + id
          + "'; it must start with a letter and contain only letters, digits, '-', '.' and '_'");
    }
    nonNegative("poll-max-ns", pollMaxNs);
    nonNegative("poll-grow", pollGrow);
    nonNegative("poll-shrink", pollShrink);
    nonNegative("aio-max-batch", aioMaxBatch);
    nonNegative("thread-pool-min", threadPoolMin == null ? null : threadPoolMin.longValue());
    nonNegative("thread-pool-max", threadPoolMax == null ? null : threadPoolMax.longValue());
    if (threadPoolMin != null && threadPoolMax != null && threadPoolMin > threadPoolMax) {
      throw new IllegalArgumentException("thread-pool-min is " + threadPoolMin
          + " but thread-pool-max is " + threadPoolMax + "; min must be <= max");
    }
  }

  /**
   * The same iothread as QEMU's command line says it ({@code -object iothread,id=iothread2,poll-max-ns=0}):
   * what libvirt starts QEMU with for each {@code <iothread>}. The id is checked above and the
   * values are numbers, so nothing needs QEMU's comma escaping.
   */
  public String objectOption() {
    StringBuilder b = new StringBuilder("iothread,id=").append(id);
    option(b, "poll-max-ns", pollMaxNs);
    option(b, "poll-grow", pollGrow);
    option(b, "poll-shrink", pollShrink);
    option(b, "aio-max-batch", aioMaxBatch);
    option(b, "thread-pool-min", threadPoolMin);
    option(b, "thread-pool-max", threadPoolMax);
    return b.toString();
  }

  private static void option(StringBuilder b, String name, Number value) {
    if (value != null) {
      b.append(',').append(name).append('=').append(value.longValue());
    }
  }

  /** An iothread with QEMU's defaults. */
  public static IothreadProperties of(String id) {
    return new IothreadProperties(id, null, null, null, null, null, null);
  }

  public IothreadProperties withPollMaxNs(Long v) {
    return new IothreadProperties(id, v, pollGrow, pollShrink, aioMaxBatch, threadPoolMin, threadPoolMax);
  }

  public IothreadProperties withPollGrow(Long v) {
    return new IothreadProperties(id, pollMaxNs, v, pollShrink, aioMaxBatch, threadPoolMin, threadPoolMax);
  }

  public IothreadProperties withPollShrink(Long v) {
    return new IothreadProperties(id, pollMaxNs, pollGrow, v, aioMaxBatch, threadPoolMin, threadPoolMax);
  }

  public IothreadProperties withAioMaxBatch(Long v) {
    return new IothreadProperties(id, pollMaxNs, pollGrow, pollShrink, v, threadPoolMin, threadPoolMax);
  }

  public IothreadProperties withThreadPool(Integer min, Integer max) {
    return new IothreadProperties(id, pollMaxNs, pollGrow, pollShrink, aioMaxBatch, min, max);
  }

  private static void nonNegative(String field, Long v) {
    if (v != null && v < 0) {
      throw new IllegalArgumentException(field + " is " + v + "; allowed range is 0.." + Long.MAX_VALUE);
    }
  }
}
