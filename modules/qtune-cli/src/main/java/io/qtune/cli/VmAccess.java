package io.qtune.cli;

import io.qtune.core.IothreadInfo;
import io.qtune.core.SchedInfo;
import io.qtune.core.SchedParams;
import io.qtune.core.ThreadPlacement;
import io.qtune.core.VcpuInfo;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.host.cpu.CpuSet;
import java.util.List;
import java.util.Map;

/**
 * What the daemon-capable verbs ask of a VM, answered by the library in this process
 * ({@link DirectVm}) or by {@code qtune daemon} ({@link DaemonVm}): the same results either way,
 * so a verb prints the same. Failures are thrown; the root reports them.
 */
interface VmAccess {
  Map<Integer, CpuSet> vcpuPins();

  void pinVcpu(int vcpu, String cpulist);

  CpuSet emulatorPin();

  void pinEmulator(String cpulist);

  void pinIothread(int id, String cpulist);

  List<IothreadInfo> iothreadInfo();

  IothreadInfo addIothread(IothreadSpec spec);

  void deleteIothread(int id);

  SchedInfo schedInfo();

  /** Sets {@code params} (in their order) and returns schedinfo read back after the change. */
  SchedInfo setSchedParams(SchedParams params);

  List<VcpuInfo> setVcpus(int count);

  List<ThreadPlacement> placement();
}
