package io.qtune.core.spec;

import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.SchedPolicy;
import java.util.Map;
import java.util.Optional;

/**
 * A validated spec with every text field parsed: CPU lists are {@link CpuSet}s, schedulers are
 * policies. Built only by {@link SpecValidator}; placement works from this, never from raw text.
 */
public record ResolvedTuning(
    TuningSpec spec,
    Map<Integer, CpuSet> vcpuPins,
    Optional<CpuSet> emulatorPin,
    Map<Integer, CpuSet> iothreadPins,
    Map<Integer, Sched> vcpuSched,
    Map<Integer, Sched> iothreadSched,
    Optional<Sched> emulatorSched,
    Optional<CpuSet> mems,
    Optional<String> numaMode) {

  /** A scheduler policy with its priority (0 for the non-realtime ones). */
  public record Sched(SchedPolicy policy, int priority) {}

  public Optional<Long> period() {
    return positive(spec.period());
  }

  public Optional<Long> quota() {
    return nonZero(spec.quota());
  }

  public Optional<Long> globalPeriod() {
    return positive(spec.globalPeriod());
  }

  public Optional<Long> globalQuota() {
    return nonZero(spec.globalQuota());
  }

  public Optional<Long> emulatorPeriod() {
    return positive(spec.emulatorPeriod());
  }

  public Optional<Long> emulatorQuota() {
    return nonZero(spec.emulatorQuota());
  }

  public Optional<Long> iothreadPeriod() {
    return positive(spec.iothreadPeriod());
  }

  public Optional<Long> iothreadQuota() {
    return nonZero(spec.iothreadQuota());
  }

  // libvirt: 0 means "not set" for every period and quota
  private static Optional<Long> positive(Long v) {
    return v == null || v == 0 ? Optional.empty() : Optional.of(v);
  }

  private static Optional<Long> nonZero(Long v) {
    return v == null || v == 0 ? Optional.empty() : Optional.of(v);
  }
}
