package io.qtune.bench;

import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadPin;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.spec.TuningSpec.VcpuPin;
import java.util.ArrayList;
import java.util.List;

/** The tuning every benchmark applies; tunefloor.c makes exactly these writes. */
final class Specs {
  static final long PERIOD = 100_000;
  static final long QUOTA = 20_000;

  private Specs() {}

  /**
   * vCPU i pinned to host CPU i % ncpu, iothread1 (if any) to the last CPU, the emulator to all,
   * vCPU bandwidth 20 ms per 100 ms.
   */
  static TuningSpec spec(String name, int vcpus, int ncpu, boolean iothread) {
    List<VcpuPin> pins = new ArrayList<>();
    for (int i = 0; i < vcpus; i++) {
      pins.add(new VcpuPin(i, Integer.toString(i % ncpu)));
    }
    List<IothreadSpec> ios = iothread ? List.of(IothreadSpec.of(1)) : List.of();
    List<IothreadPin> ioPins = iothread ? List.of(new IothreadPin(1, Integer.toString(ncpu - 1))) : List.of();
    return new TuningSpec(name, ios, pins, "0-" + (ncpu - 1), ioPins, null, null, PERIOD, QUOTA,
        null, null, null, null, null, null, null, null, null, null);
  }
}
