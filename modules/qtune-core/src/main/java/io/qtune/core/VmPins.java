package io.qtune.core;

import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.TuningSpec;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.ThreadAffinity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A VM's CPU pins (virsh vcpupin, emulatorpin, iothreadpin): each pin writes the thread group's
 * cpuset, then the threads' affinity, and is rolled back whole if a write fails.
 */
public final class VmPins {
  private final Vm vm;

  VmPins(Vm vm) {
    this.vm = vm;
  }

  /** virsh vcpupin VM VCPU CPULIST --live. */
  public CompletableFuture<Void> vcpu(int vcpu, String cpulist) {
    return vm.op(() -> {
      VmThreads t = vm.threads();
      if (vcpu < 0 || vcpu >= t.maxVcpus()) {
        throw new InvalidInputException("vcpu " + vcpu + " is out of range of live cpu count " + t.maxVcpus());
      }
      CpuSet cpus = vm.cpus(cpulist, "Empty cpu list for pinning");
      if (!t.perVcpuThreads()) {
        throw new InvalidInputException("cpu affinity is not supported: QEMU runs this VM's vCPUs on "
            + "shared threads (TCG without thread=multi)");
      }
      vm.ensurePlaced();
      VcpuThread v = t.vcpu(vcpu);
      ResolvedTuning tuning = vm.tuning();
      if (v == null) {
        // an offline vCPU: libvirt only records the pin; it applies when the vCPU is plugged
        vm.tuning(pinned(tuning, withVcpuPin(tuning.spec(), vcpu, cpus), vcpu, cpus, null, -1, null));
        return null;
      }
      ThreadCgroup g = vm.group(ThreadGroupName.vcpu(vcpu))
          .orElseThrow(() -> new OperationFailedException("group vcpu" + vcpu + " is missing under "
              + vm.domainPath() + "; run 'apply' to re-place the VM"));
      pin(g, List.of(v.tid()), cpus, "vcpu " + vcpu);
      vm.tuning(pinned(tuning, withVcpuPin(tuning.spec(), vcpu, cpus), vcpu, cpus, null, -1, null));
      return null;
    });
  }

  /** virsh emulatorpin VM CPULIST --live: the emulator group, and the main thread's affinity. */
  public CompletableFuture<Void> emulator(String cpulist) {
    return vm.op(() -> {
      CpuSet cpus = vm.cpus(cpulist, "Empty cpu list for pinning");
      vm.ensurePlaced();
      ThreadCgroup g = vm.group(ThreadGroupName.emulator()).orElseThrow(() ->
          new OperationFailedException("group emulator is missing under " + vm.domainPath()));
      // libvirt re-affines only the main thread; the others follow through the cpuset. qtune sets
      // every emulator thread so that Cpus_allowed_list tells the truth for all of them.
      pin(g, g.threads(), cpus, "emulator");
      ResolvedTuning tuning = vm.tuning();
      vm.tuning(pinned(tuning, SpecEdits.edit(tuning.spec(), b -> b.emulatorpin = cpus.toList()),
          -1, null, cpus, -1, null));
      return null;
    });
  }

  /** virsh iothreadpin VM ID CPULIST --live. */
  public CompletableFuture<Void> iothread(int id, String cpulist) {
    return vm.op(() -> {
      if (id <= 0) {
        throw new InvalidInputException("invalid value of " + id + " for iothread_id");
      }
      IothreadThread io = vm.threads().iothread(id);
      if (io == null) {
        throw new InvalidInputException("iothread " + id + " not found");
      }
      CpuSet cpus = vm.cpus(cpulist, "Empty iothread cpumap list for pinning");
      vm.ensurePlaced();
      ThreadCgroup g = vm.group(ThreadGroupName.iothread(id)).orElseThrow(() ->
          new OperationFailedException("group iothread" + id + " is missing under " + vm.domainPath()));
      pin(g, List.of(io.tid()), cpus, "iothread " + id);
      ResolvedTuning tuning = vm.tuning();
      vm.tuning(pinned(tuning, withIothreadPin(tuning.spec(), id, cpus), -1, null, null, id, cpus));
      return null;
    });
  }

  /**
   * virsh vcpupin (query): every vCPU slot up to maxcpus, as virsh lists them; an unplugged slot
   * shows its recorded pin, else the host's CPUs.
   */
  public CompletableFuture<Map<Integer, CpuSet>> vcpus() {
    return vm.op(() -> {
      Map<Integer, CpuSet> live = new HashMap<>();
      vm.vcpus().infoNow().forEach(v -> live.put(v.vcpu(), v.affinity()));
      Map<Integer, CpuSet> out = new LinkedHashMap<>();
      for (int i = 0; i < vm.threads().maxVcpus(); i++) {
        CpuSet a = live.get(i);
        out.put(i, a != null ? a
            : vm.tuning().vcpuPins().getOrDefault(i, vm.qtune().hostFacts().onlineCpus()));
      }
      return out;
    });
  }

  /** virsh emulatorpin (query): the emulator group's CPUs (the main thread's affinity if unplaced). */
  public CompletableFuture<CpuSet> emulator() {
    return vm.op(() -> {
      DomainCgroup domain = vm.domain();
      if (domain != null) {
        Optional<ThreadCgroup> g = domain.findThread(ThreadGroupName.emulator());
        if (g.isPresent()) {
          // v2 leaves cpuset.cpus empty until someone pins ("the parent's"): virsh shows the CPUs
          // the emulator may run on, which cpuset.cpus.effective holds
          CpuSet cpus = g.get().cpus();
          return ThreadAffinity.get(vm.pid()).intersect(cpus.isEmpty() ? g.get().effectiveCpus() : cpus);
        }
      }
      return ThreadAffinity.get(vm.pid());
    });
  }

  /** cpuset first, then affinity (libvirt: "configure the cpuset cgroup before set affinity"). */
  private void pin(ThreadCgroup g, List<Integer> tids, CpuSet cpus, String what) {
    // emulator threads include QEMU's thread-pool workers, which come and go: one that exited is
    // skipped; a vCPU or iothread thread that is gone is an error
    boolean mayExit = g.name().equals(ThreadGroupName.emulator());
    int pid = vm.pid();
    List<Integer> live = new ArrayList<>();
    for (int tid : tids) {
      if (vm.qtune().proc().isTaskOf(pid, tid)) {
        live.add(tid);
      } else if (!mayExit) {
        vm.requireOwn(tid, what);
      }
    }
    UndoLog undo = new UndoLog();
    try {
      vm.qtune().placer().setCpus(g, cpus, undo);
      for (int tid : live) {
        try {
          Placer.affinity(tid, cpus, undo);
        } catch (io.qtune.host.HostException e) {
          if (!mayExit || !Placer.exited(e)) {
            throw e;
          }
        }
      }
    } catch (RuntimeException e) {
      vm.forgetGroup(g.name()); // the group may be gone: look it up again next time
      int failed = undo.rollback();
      throw vm.failure("failed to set cpuset.cpus in cgroup for " + what, e, failed);
    }
  }

  /**
   * The tuning after a pin, without validating the whole spec again: the pin itself was validated
   * before it was applied.
   */
  private static ResolvedTuning pinned(ResolvedTuning t, TuningSpec spec, int vcpu, CpuSet vcpuCpus,
      CpuSet emulator, int iothread, CpuSet iothreadCpus) {
    Map<Integer, CpuSet> vcpus = t.vcpuPins();
    if (vcpuCpus != null) {
      vcpus = new HashMap<>(vcpus);
      vcpus.put(vcpu, vcpuCpus);
      vcpus = Map.copyOf(vcpus);
    }
    Map<Integer, CpuSet> ios = t.iothreadPins();
    if (iothreadCpus != null) {
      ios = new HashMap<>(ios);
      ios.put(iothread, iothreadCpus);
      ios = Map.copyOf(ios);
    }
    return new ResolvedTuning(spec, vcpus, emulator != null ? Optional.of(emulator) : t.emulatorPin(),
        ios, t.vcpuSched(), t.iothreadSched(), t.emulatorSched(), t.mems(), t.numaMode());
  }

  private static TuningSpec withVcpuPin(TuningSpec s, int vcpu, CpuSet cpus) {
    return SpecEdits.edit(s, b -> {
      List<TuningSpec.VcpuPin> l = new ArrayList<>(b.vcpupin.stream().filter(p -> p.vcpu() != vcpu).toList());
      l.add(new TuningSpec.VcpuPin(vcpu, cpus.toList()));
      b.vcpupin = l;
    });
  }

  private static TuningSpec withIothreadPin(TuningSpec s, int id, CpuSet cpus) {
    return SpecEdits.edit(s, b -> {
      List<TuningSpec.IothreadPin> l = new ArrayList<>(b.iothreadpin.stream().filter(p -> p.iothread() != id).toList());
      l.add(new TuningSpec.IothreadPin(id, cpus.toList()));
      b.iothreadpin = l;
    });
  }
}
