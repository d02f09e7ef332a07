package io.qtune.cli;

import io.qtune.core.IothreadInfo;
import io.qtune.core.SchedInfo;
import io.qtune.core.SchedParams;
import io.qtune.core.ThreadPlacement;
import io.qtune.core.VcpuInfo;
import io.qtune.core.Vm;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.host.cpu.CpuSet;
import java.util.List;
import java.util.Map;

/** The library in this process: the session's VM (opened on first use), within --timeout. */
final class DirectVm implements VmAccess {
  private final Session session;

  DirectVm(Session session) {
    this.session = session;
  }

  private Vm vm() {
    return session.vm();
  }

  @Override
  public Map<Integer, CpuSet> vcpuPins() {
    return session.await(vm().vcpuPins());
  }

  @Override
  public void pinVcpu(int vcpu, String cpulist) {
    session.await(vm().pinVcpu(vcpu, cpulist));
  }

  @Override
  public CpuSet emulatorPin() {
    return session.await(vm().emulatorPin());
  }

  @Override
  public void pinEmulator(String cpulist) {
    session.await(vm().pinEmulator(cpulist));
  }

  @Override
  public void pinIothread(int id, String cpulist) {
    session.await(vm().pinIothread(id, cpulist));
  }

  @Override
  public List<IothreadInfo> iothreadInfo() {
    return session.await(vm().iothreadInfo());
  }

  @Override
  public IothreadInfo addIothread(IothreadSpec spec) {
    return session.await(vm().addIothread(spec));
  }

  @Override
  public void deleteIothread(int id) {
    session.await(vm().deleteIothread(id));
  }

  @Override
  public SchedInfo schedInfo() {
    return session.await(vm().schedInfo());
  }

  @Override
  public SchedInfo setSchedParams(SchedParams params) {
    session.await(vm().setSchedParams(params));
    return schedInfo(); // as virsh: the values after the change, read back
  }

  @Override
  public List<VcpuInfo> setVcpus(int count) {
    return session.await(vm().setVcpus(count));
  }

  @Override
  public List<ThreadPlacement> placement() {
    return session.await(vm().placement());
  }
}
