package io.qtune.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of {@code schedinfo --set}, by virsh's names, in the order given (libvirt writes
 * them in that order).
 */
public final class SchedParams {
  /** virsh's keys, in the order they are listed in schedinfo. */
  public static final java.util.List<String> KEYS = java.util.List.of("cpu_shares", "cpu_weight",
      "vcpu_period", "vcpu_quota", "emulator_period", "emulator_quota", "global_period",
      "global_quota", "iothread_period", "iothread_quota");

  private final Map<String, Long> values = new LinkedHashMap<>();

  public SchedParams set(String key, long value) {
    if (!KEYS.contains(key)) {
      throw new InvalidInputException("unknown scheduler parameter '" + key + "' (allowed: "
          + String.join(", ", KEYS) + ")");
    }
    values.put(key, value);
    return this;
  }

  /** Parses virsh's {@code KEY=VALUE}. */
  public SchedParams parse(String keyEqualsValue) {
    int eq = keyEqualsValue.indexOf('=');
    if (eq <= 0) {
      throw new InvalidInputException("expected KEY=VALUE, got '" + keyEqualsValue + "'");
    }
    String key = keyEqualsValue.substring(0, eq).trim();
    String v = keyEqualsValue.substring(eq + 1).trim();
    try {
      return set(key, Long.parseLong(v));
    } catch (NumberFormatException e) {
      throw new InvalidInputException("value of '" + key + "' must be an integer, got '" + v + "'");
    }
  }

  public Map<String, Long> values() {
    return java.util.Collections.unmodifiableMap(values);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }
}
