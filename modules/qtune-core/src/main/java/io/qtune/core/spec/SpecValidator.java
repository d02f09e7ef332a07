package io.qtune.core.spec;

import io.qtune.core.InvalidInputException;
import io.qtune.core.spec.ResolvedTuning.Sched;
import io.qtune.core.spec.TuningSpec.IothreadSched;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.spec.TuningSpec.VcpuPin;
import io.qtune.core.spec.TuningSpec.VcpuSched;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.SchedPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a spec against libvirt's rules, the host and (when known) the live VM, and reports every
 * problem at once. Nothing is written before this passes.
 */
public final class SpecValidator {
  private final HostFacts host;

  public SpecValidator(HostFacts host) {
    this.host = host;
  }

  /**
   * Validates and resolves {@code spec}.
   *
   * @param vm the live VM, or {@code null} to check only what does not depend on it
   * @throws InvalidInputException listing every problem
   */
  public ResolvedTuning resolve(TuningSpec spec, VmFacts vm) {
    List<String> problems = new ArrayList<>();
    if (spec.name() != null) {
      String bad = io.qtune.core.VmName.problem(spec.name());
      if (bad != null) {
        problems.add("name: VM name " + io.qtune.core.VmName.quote(spec.name()) + " from the spec " + bad);
      }
    }

    Set<Integer> specIothreads = new HashSet<>();
    for (IothreadSpec io : spec.iothreads()) {
      if (io.id() <= 0) {
        problems.add("invalid value of " + io.id() + " for iothread_id");
      } else if (!specIothreads.add(io.id())) {
        problems.add("iothread id " + io.id() + " is listed twice in 'iothreads'");
      }
      nonNegative(problems, "iothreads[" + io.id() + "].poll_max_ns", io.pollMaxNs());
      nonNegative(problems, "iothreads[" + io.id() + "].poll_grow", io.pollGrow());
      nonNegative(problems, "iothreads[" + io.id() + "].poll_shrink", io.pollShrink());
      nonNegative(problems, "iothreads[" + io.id() + "].aio_max_batch", io.aioMaxBatch());
      if (io.threadPoolMin() != null && io.threadPoolMax() != null
          && io.threadPoolMin() > io.threadPoolMax()) {
        problems.add("iothread " + io.id() + ": thread_pool_min " + io.threadPoolMin()
            + " is greater than thread_pool_max " + io.threadPoolMax());
      }
    }
    Set<Integer> knownIothreads = new TreeSet<>(specIothreads);
    if (vm != null) {
      knownIothreads.addAll(vm.iothreadIds());
    }

    Map<Integer, CpuSet> vcpuPins = new LinkedHashMap<>();
    for (VcpuPin pin : spec.vcpupin()) {
      if (pin.vcpu() < 0 || (vm != null && pin.vcpu() >= vm.maxVcpus())) {
        problems.add("vcpu " + pin.vcpu() + " is out of range of live cpu count "
            + (vm == null ? "?" : vm.maxVcpus()));
        continue;
      }
      cpus(problems, "vcpupin[vcpu=" + pin.vcpu() + "].cpuset", pin.cpuset(),
          "Empty cpu list for pinning")
          .ifPresent(c -> {
            if (vcpuPins.put(pin.vcpu(), c) != null) {
              problems.add("vcpu " + pin.vcpu() + " is pinned twice in 'vcpupin'");
            }
          });
    }

    Optional<CpuSet> emulatorPin = spec.emulatorpin() == null ? Optional.empty()
        : cpus(problems, "emulatorpin", spec.emulatorpin(), "Empty cpu list for pinning");

    Map<Integer, CpuSet> iothreadPins = new LinkedHashMap<>();
    for (TuningSpec.IothreadPin pin : spec.iothreadpin()) {
      if (pin.iothread() <= 0) {
        problems.add("invalid value of " + pin.iothread() + " for iothread_id");
        continue;
      }
      if (!knownIothreads.contains(pin.iothread()) && (vm != null || specIothreads.size() > 0)) {
        problems.add("iothread " + pin.iothread() + " not found");
        continue;
      }
      cpus(problems, "iothreadpin[iothread=" + pin.iothread() + "].cpuset", pin.cpuset(),
          "Empty iothread cpumap list for pinning").ifPresent(c -> iothreadPins.put(pin.iothread(), c));
    }

    if (spec.shares() != null && spec.weight() != null) {
      problems.add("set either 'shares' (cgroup v1 units, converted on v2) or 'weight' (cgroup v2), not both");
    }
    if (spec.shares() != null) {
      add(problems, Limits.checkShares(spec.shares()));
    }
    if (spec.weight() != null) {
      add(problems, Limits.checkWeight(spec.weight()));
      if (!host.cgroupV2()) {
        problems.add("'weight' needs cgroup v2; this host's cpu controller is cgroup v1: use 'shares' ["
            + io.qtune.host.cgroup.CpuTunables.SHARES_MIN + ", " + io.qtune.host.cgroup.CpuTunables.SHARES_MAX + "]");
      }
    }
    add(problems, Limits.checkPeriod("vcpu_period", spec.period()));
    add(problems, Limits.checkQuota("vcpu_quota", spec.quota()));
    add(problems, Limits.checkPeriod("global_period", spec.globalPeriod()));
    add(problems, Limits.checkQuota("global_quota", spec.globalQuota()));
    add(problems, Limits.checkPeriod("emulator_period", spec.emulatorPeriod()));
    add(problems, Limits.checkQuota("emulator_quota", spec.emulatorQuota()));
    add(problems, Limits.checkPeriod("iothread_period", spec.iothreadPeriod()));
    add(problems, Limits.checkQuota("iothread_quota", spec.iothreadQuota()));

    Map<Integer, Sched> vcpuSched = new LinkedHashMap<>();
    for (VcpuSched s : spec.vcpusched()) {
      Optional<Sched> sched = sched(problems, "vcpusched", s.scheduler(), s.priority());
      Optional<CpuSet> ids = ids(problems, "vcpusched.vcpus", s.vcpus());
      if (sched.isPresent() && ids.isPresent()) {
        for (int v : ids.get().cpus()) {
          if (vm != null && v >= vm.maxVcpus()) {
            problems.add("vcpusched: vcpu " + v + " is out of range of live cpu count " + vm.maxVcpus());
          } else {
            vcpuSched.put(v, sched.get());
          }
        }
      }
    }
    Map<Integer, Sched> iothreadSched = new LinkedHashMap<>();
    for (IothreadSched s : spec.iothreadsched()) {
      Optional<Sched> sched = sched(problems, "iothreadsched", s.scheduler(), s.priority());
      Optional<CpuSet> ids = ids(problems, "iothreadsched.iothreads", s.iothreads());
      if (sched.isPresent() && ids.isPresent()) {
        for (int id : ids.get().cpus()) {
          if (!knownIothreads.contains(id)) {
            problems.add("iothreadsched: iothread " + id + " not found");
          } else {
            iothreadSched.put(id, sched.get());
          }
        }
      }
    }
    Optional<Sched> emulatorSched = spec.emulatorsched() == null ? Optional.empty()
        : sched(problems, "emulatorsched", spec.emulatorsched().scheduler(),
            spec.emulatorsched().priority());

    Optional<CpuSet> mems = Optional.empty();
    Optional<String> mode = Optional.empty();
    if (spec.numatune() != null) {
      String m = spec.numatune().mode() == null ? "strict" : spec.numatune().mode();
      if (!Set.of("strict", "restrictive", "interleave", "preferred").contains(m)) {
        problems.add("numatune.mode '" + m + "' is not one of strict, restrictive, interleave, preferred");
      } else {
        mode = Optional.of(m);
      }
      if (spec.numatune().nodeset() == null) {
        problems.add("numatune.nodeset is required");
      } else {
        try {
          CpuSet nodes = CpuSet.parse(spec.numatune().nodeset());
          for (int n : nodes.cpus()) {
            if (!host.numaNodes().contains(n)) {
              problems.add("numatune.nodeset: NUMA node " + n + " does not exist on this host (nodes: "
                  + CpuSet.of(host.numaNodes().stream().mapToInt(Integer::intValue).toArray()).toList()
                  + ")");
            }
          }
          // as libvirt: only strict and restrictive bind through cpuset.mems; interleave and
          // preferred are memory policies QEMU applies to its memory backends
          if (mode.isPresent() && (mode.get().equals("strict") || mode.get().equals("restrictive"))) {
            mems = Optional.of(nodes);
          }
        } catch (IllegalArgumentException e) {
          problems.add("numatune.nodeset: " + e.getMessage());
        }
      }
    }

    if (!problems.isEmpty()) {
      throw new InvalidInputException(problems);
    }
    return new ResolvedTuning(spec, Map.copyOf(vcpuPins), emulatorPin, Map.copyOf(iothreadPins),
        Map.copyOf(vcpuSched), Map.copyOf(iothreadSched), emulatorSched, mems, mode);
  }

  /** Parses a pin, checking libvirt's syntax, that it is not empty and that the CPUs are online. */
  public Optional<CpuSet> cpus(List<String> problems, String field, String text, String emptyMessage) {
    if (text == null || text.isBlank()) {
      problems.add(emptyMessage + " (" + field + ")");
      return Optional.empty();
    }
    CpuSet set;
    try {
      set = CpuSet.parse(text);
    } catch (IllegalArgumentException e) {
      problems.add("Invalid cpulist '" + text + "' in " + field + ": " + e.getMessage());
      return Optional.empty();
    }
    if (set.isEmpty()) {
      problems.add(emptyMessage + " (" + field + ")");
      return Optional.empty();
    }
    try {
      set.requireWithin(host.maxCpus(), text);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage() + " (" + field + ")");
      return Optional.empty();
    }
    CpuSet offline = set.minus(host.onlineCpus());
    if (!offline.isEmpty()) {
      problems.add("CPU " + offline.toList() + " in cpulist '" + text + "' is offline (online: "
          + host.onlineCpus().toList() + ") (" + field + ")");
      return Optional.empty();
    }
    return Optional.of(set);
  }

  private static Optional<CpuSet> ids(List<String> problems, String field, String text) {
    try {
      CpuSet ids = CpuSet.parse(text == null ? "" : text);
      if (ids.isEmpty()) {
        problems.add(field + " is empty");
        return Optional.empty();
      }
      return Optional.of(ids);
    } catch (IllegalArgumentException e) {
      problems.add(field + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  /** libvirt's scheduler names and priority rules: fifo/rr need 1..99, batch/idle take none. */
  public static Optional<Sched> sched(List<String> problems, String field, String scheduler,
      Integer priority) {
    SchedPolicy policy = switch (scheduler == null ? "" : scheduler) {
      case "batch" -> SchedPolicy.BATCH;
      case "idle" -> SchedPolicy.IDLE;
      case "fifo" -> SchedPolicy.FIFO;
      case "rr" -> SchedPolicy.RR;
      case "other" -> SchedPolicy.OTHER;
      default -> null;
    };
    if (policy == null) {
      problems.add(field + ": scheduler '" + scheduler + "' is not one of batch, idle, fifo, rr, other");
      return Optional.empty();
    }
    boolean realtime = policy == SchedPolicy.FIFO || policy == SchedPolicy.RR;
    if (realtime) {
      if (priority == null || priority < Limits.RT_PRIORITY_MIN || priority > Limits.RT_PRIORITY_MAX) {
        problems.add(field + ": scheduler '" + scheduler + "' needs a priority in range ["
            + Limits.RT_PRIORITY_MIN + ", " + Limits.RT_PRIORITY_MAX + "], got " + priority);
        return Optional.empty();
      }
      return Optional.of(new Sched(policy, priority));
    }
    if (priority != null && priority != 0) {
      problems.add(field + ": scheduler '" + scheduler + "' takes no priority, got " + priority);
      return Optional.empty();
    }
    return Optional.of(new Sched(policy, 0));
  }

  private static void nonNegative(List<String> problems, String field, Long v) {
    if (v != null && v < 0) {
      problems.add("value of '" + field + "' must not be negative, got " + v);
    }
  }

  private static void add(List<String> problems, String p) {
    if (p != null) {
      problems.add(p);
    }
  }
}
