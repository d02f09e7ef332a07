package io.qtune.core;

import io.qtune.core.spec.TuningSpec;
import java.util.List;

/** Copy-with-changes for the immutable {@link TuningSpec}, used to track live operations. */
final class SpecEdits {
  private SpecEdits() {}

  /** Mutable mirror of a spec, only ever used inside one edit. */
  static final class Builder {
    String name;
    List<TuningSpec.IothreadSpec> iothreads;
    List<TuningSpec.VcpuPin> vcpupin;
    String emulatorpin;
    List<TuningSpec.IothreadPin> iothreadpin;
    Long shares;
    Long weight;
    Long period;
    Long quota;
    Long globalPeriod;
    Long globalQuota;
    Long emulatorPeriod;
    Long emulatorQuota;
    Long iothreadPeriod;
    Long iothreadQuota;
    List<TuningSpec.VcpuSched> vcpusched;
    List<TuningSpec.IothreadSched> iothreadsched;
    TuningSpec.EmulatorSched emulatorsched;
    TuningSpec.NumaTune numatune;

    Builder(TuningSpec s) {
      name = s.name();
      iothreads = s.iothreads();
      vcpupin = s.vcpupin();
      emulatorpin = s.emulatorpin();
      iothreadpin = s.iothreadpin();
      shares = s.shares();
      weight = s.weight();
      period = s.period();
      quota = s.quota();
      globalPeriod = s.globalPeriod();
      globalQuota = s.globalQuota();
      emulatorPeriod = s.emulatorPeriod();
      emulatorQuota = s.emulatorQuota();
      iothreadPeriod = s.iothreadPeriod();
      iothreadQuota = s.iothreadQuota();
      vcpusched = s.vcpusched();
      iothreadsched = s.iothreadsched();
      emulatorsched = s.emulatorsched();
      numatune = s.numatune();
    }

    TuningSpec build() {
      return new TuningSpec(name, iothreads, vcpupin, emulatorpin, iothreadpin, shares, weight,
          period, quota, globalPeriod, globalQuota, emulatorPeriod, emulatorQuota, iothreadPeriod,
          iothreadQuota, vcpusched, iothreadsched, emulatorsched, numatune);
    }
  }

  /** {@code s} with the changes {@code edit} makes to its mirror. */
  static TuningSpec edit(TuningSpec s, java.util.function.Consumer<Builder> edit) {
    Builder b = new Builder(s);
    edit.accept(b);
    return b.build();
  }

  /** The spec after {@code schedinfo --set key=value}. */
  static TuningSpec withSchedParam(TuningSpec s, String key, long v) {
    Builder b = new Builder(s);
    switch (key) {
      case "cpu_shares" -> {
        b.shares = v;
        b.weight = null;
      }
      case "cpu_weight" -> {
        b.weight = v;
        b.shares = null;
      }
      case "vcpu_period" -> b.period = v;
      case "vcpu_quota" -> b.quota = v;
      case "emulator_period" -> b.emulatorPeriod = v;
      case "emulator_quota" -> b.emulatorQuota = v;
      case "global_period" -> b.globalPeriod = v;
      case "global_quota" -> b.globalQuota = v;
      case "iothread_period" -> b.iothreadPeriod = v;
      case "iothread_quota" -> b.iothreadQuota = v;
      default -> throw new IllegalArgumentException(key);
    }
    return b.build();
  }
}
