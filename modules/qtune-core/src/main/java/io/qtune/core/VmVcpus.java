package io.qtune.core;

import io.qtune.host.proc.ThreadStat;
import io.qtune.host.sched.ThreadAffinity;
import io.qtune.qmp.QmpClient;
import io.qtune.qmp.model.HotpluggableCpu;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/** A VM's vCPUs: how many are online (virsh setvcpus) and where they run (virsh vcpuinfo). */
public final class VmVcpus {
  private final Vm vm;

  VmVcpus(Vm vm) {
    this.vm = vm;
  }

  /** virsh setvcpus VM COUNT --live: hotplug vCPUs up to COUNT and place each new thread. */
  public CompletableFuture<List<VcpuInfo>> setCount(int count) {
    return vm.op(() -> {
      VmThreads t = vm.refresh();
      if (count > t.maxVcpus()) {
        throw new InvalidInputException("requested vcpus is greater than max allowable vcpus for the live domain: "
            + count + " > " + t.maxVcpus());
      }
      if (count < 1) {
        throw new InvalidInputException("requested vcpus must be at least 1, got " + count);
      }
      if (count < t.vcpus().size()) {
        throw new InvalidInputException("unplugging vCPUs (" + t.vcpus().size() + " -> " + count
            + ") needs the guest's cooperation and is not supported live");
      }
      vm.ensurePlaced();
      QmpClient qmp = vm.qmp();
      List<HotpluggableCpu> free = qmp.queryHotpluggableCpus().join().stream()
          .filter(h -> h.qomPath() == null).collect(Collectors.toCollection(ArrayList::new));
      // plug in ascending slot order, as libvirt does (socket, die, core, thread)
      free.sort(Disks.SLOT_ORDER);
      int toAdd = count - t.vcpus().size();
      UndoLog undo = new UndoLog();
      try {
        for (int i = 0; i < toAdd && i < free.size(); i++) {
          HotpluggableCpu slot = free.get(i);
          int index = t.vcpus().size() + i;
          Map<String, Object> props = new LinkedHashMap<>();
          props.put("driver", slot.type());
          props.put("id", "vcpu" + index);
          Disks.putProps(props, slot.props());
          qmp.deviceAdd(props).join();
          undo.add("device_add vcpu" + index, () -> qmp.deviceDel("vcpu" + index).join());
        }
        VmThreads after = vm.refresh();
        List<Placer.Target> targets = new ArrayList<>();
        for (VcpuThread v : after.vcpus()) {
          if (t.vcpu(v.index()) == null && after.perVcpuThreads()) {
            targets.add(Placer.vcpuTarget(v, vm.tuning()));
          }
        }
        vm.qtune().placer().place(vm.domain(), vm.pid(), targets, undo);
      } catch (RuntimeException e) {
        int failed = undo.rollback();
        vm.refresh();
        throw vm.failure("hotplugging vCPUs failed", e, failed);
      }
      return infoNow();
    });
  }

  /** virsh vcpuinfo: one entry per online vCPU (virsh prints no unplugged slot). */
  public CompletableFuture<List<VcpuInfo>> info() {
    return vm.op(this::infoNow);
  }

  /** Inside an operation already queued. */
  List<VcpuInfo> infoNow() {
    VmThreads t = vm.refresh();
    int pid = vm.pid();
    List<VcpuInfo> out = new ArrayList<>();
    for (VcpuThread v : t.vcpus()) {
      int tid = v.tid() > 0 ? v.tid() : pid;
      Optional<ThreadStat> st = vm.qtune().proc().thread(pid, tid);
      out.add(new VcpuInfo(v.index(), v.tid(), st.map(ThreadStat::lastCpu).orElse(-1),
          st.map(s -> state(s.state())).orElse("unknown"), st.map(ThreadStat::cpuTimeNs).orElse(0L),
          st.map(ThreadStat::cpusAllowed).orElseGet(() -> ThreadAffinity.get(tid))));
    }
    return out;
  }

  private static String state(char s) {
    return switch (s) {
      case 'R' -> "running";
      case 'S', 'D', 'I' -> "sleeping";
      case 'T', 't' -> "paused";
      case 'Z', 'X' -> "dead";
      default -> String.valueOf(s);
    };
  }
}
