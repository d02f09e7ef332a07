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
    return session.await(vm().pins().vcpus());
  }

  @Override
  public void pinVcpu(int vcpu, String cpulist) {
    session.await(vm().pins().vcpu(vcpu, cpulist));
  }

  @Override
  public CpuSet emulatorPin() {
    return session.await(vm().pins().emulator());
  }

  @Override
  public void pinEmulator(String cpulist) {
    session.await(vm().pins().emulator(cpulist));
  }

  @Override
  public void pinIothread(int id, String cpulist) {
    session.await(vm().pins().iothread(id, cpulist));
  }

  @Override
  public List<IothreadInfo> iothreadInfo() {
    return session.await(vm().iothreads().info());
  }

  @Override
  public IothreadInfo addIothread(IothreadSpec spec) {
    return session.await(vm().iothreads().add(spec));
  }

  @Override
  public void deleteIothread(int id) {
    session.await(vm().iothreads().delete(id));
  }

  @Override
  public SchedInfo schedInfo() {
    return session.await(vm().scheduler().get());
  }

  @Override
  public SchedInfo setSchedParams(SchedParams params) {
    session.await(vm().scheduler().set(params));
    return schedInfo(); // as virsh: the values after the change, read back
  }

  @Override
  public List<VcpuInfo> setVcpus(int count) {
    return session.await(vm().vcpus().setCount(count));
  }

  @Override
  public List<ThreadPlacement> placement() {
    return session.await(vm().placement());
  }
}
