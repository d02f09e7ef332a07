package io.qtune.core;

import io.qtune.host.cgroup.CgroupBackend;
import io.qtune.host.cgroup.CgroupLayout;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.MachineName;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.cpu.CpuSet;
import java.util.Optional;
import java.util.function.Function;

/**
 * The live ledger: the CPUs other VMs hold, read from the kernel (no database). For every VM group
 * under the partition (qtune's {@code qemu-N-name.libvirt-qemu} and libvirt's scopes), the
 * {@code cpuset.cpus} of its vcpuN and emulator groups where they are pinned. A group whose cpuset
 * is the domain's or the host's full set floats, and one without threads is a dead VM's: neither holds
 * anything.
 */
final class DedicatedCpus {
  private final CgroupBackend backend;
  private final CgroupLayout template;
  private final Function<String, Optional<MachineName>> machineOf;
  private final CpuSet online;

  DedicatedCpus(CgroupBackend backend, CgroupLayout template, Function<String, Optional<MachineName>> machineOf,
      CpuSet online) {
    this.backend = backend;
    this.template = template;
    this.machineOf = machineOf;
    this.online = online;
  }

  /** What every VM but the one whose domain group is {@code except} (null: none) holds. */
  CpuSet read(String except) {
    CpuSet held = CpuSet.empty();
    for (String dir : backend.partitionChildren(template)) {
      Optional<MachineName> machine = machineOf.apply(dir);
      // re-planning a VM: its own pins are not another VM's
      if (machine.isPresent() && !isExcepted(template.withMachine(machine.get()), except)) {
        held = held.union(heldBy(template.withMachine(machine.get())));
      }
    }
    return held;
  }

  private static boolean isExcepted(CgroupLayout layout, String except) {
    return except != null && (except.equals(layout.scopePath()) || except.startsWith(layout.scopePath() + "/"));
  }

  private CpuSet heldBy(CgroupLayout layout) {
    CpuSet held = CpuSet.empty();
    // libvirt nests its thread groups under <scope>/libvirt on cgroup v2; qtune's are flat
    for (CgroupLayout l : new CgroupLayout[] {layout.withNested(false), layout.withNested(true)}) {
      Optional<DomainCgroup> domain = openQuietly(l);
      if (domain.isEmpty()) {
        continue;
      }
      CpuSet full = cpusOf(domain.get());
      for (ThreadCgroup t : domain.get().threadGroups()) {
        if (t.name() instanceof ThreadGroupName.IoThread) {
          continue; // iothreads follow the emulator; a plan never dedicates CPUs to them alone
        }
        CpuSet cpus = cpusOf(t);
        // a group without threads is a dead VM's leftover (gc removes it later): it holds nothing
        if (!cpus.isEmpty() && hasThreads(t) && !cpus.equals(full) && !cpus.equals(online)) {
          held = held.union(cpus);
        }
      }
    }
    return held;
  }

  private Optional<DomainCgroup> openQuietly(CgroupLayout layout) {
    try {
      return backend.open(layout);
    } catch (RuntimeException e) {
      return Optional.empty(); // a VM that went away while we looked holds nothing
    }
  }

  private static boolean hasThreads(ThreadCgroup group) {
    try {
      return !group.threads().isEmpty();
    } catch (RuntimeException e) {
      return false; // removed meanwhile
    }
  }

  private static CpuSet cpusOf(io.qtune.host.cgroup.CpuCgroup group) {
    try {
      return group.cpus();
    } catch (RuntimeException e) {
      return CpuSet.empty(); // removed meanwhile
    }
  }
}
