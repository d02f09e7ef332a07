package io.qtune.core;

import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.VmFacts;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cpu.CpuSet;
import io.qtune.core.spec.ResolvedTuning.Sched;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.sched.SchedPolicy;
import io.qtune.host.sched.ThreadAffinity;
import io.qtune.host.sched.ThreadSchedule;
import io.qtune.host.sched.ThreadScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Compares a spec with what the kernel says now, without changing anything. */
final class DriftCheck {
  private DriftCheck() {}

  static List<Drift> diff(Vm vm, TuningSpec spec) {
    VmThreads t = vm.refresh();
    Set<Integer> ios = new TreeSet<>();
    t.iothreads().forEach(i -> ios.add(i.id()));
    for (TuningSpec.IothreadSpec s : spec.iothreads()) {
      ios.add(s.id());
    }
    ResolvedTuning r = vm.qtune().validator().resolve(spec, new VmFacts(t.maxVcpus(), ios));
    List<Drift> out = new ArrayList<>();
    for (TuningSpec.IothreadSpec s : spec.iothreads()) {
      if (t.iothread(s.id()) == null) {
        out.add(new Drift("iothread" + s.id(), "present", "missing"));
      }
    }
    DomainCgroup d = vm.domain();
    if (d == null) {
      out.add(new Drift("domain group " + vm.domainPath(), "present", "missing"));
      return out;
    }
    CpuSet online = vm.qtune().hostFacts().onlineCpus();
    Optional<Long> weight = spec.weight() != null ? Optional.of(spec.weight())
        : Optional.ofNullable(spec.shares()).map(vm.qtune()::sharesToNative);
    long wantWeight = weight.orElse(vm.qtune().defaultWeight());
    if (vm.qtune().weightOf(d) != wantWeight) {
      out.add(new Drift(vm.domainPath() + " " + vm.qtune().weightFile(), String.valueOf(wantWeight),
          String.valueOf(vm.qtune().weightOf(d))));
    }
    bandwidth(out, vm.domainPath(), d, r.globalPeriod(), r.globalQuota());
    for (Placer.Target target : Placer.targets(t, r)) {
      String where = vm.domainPath() + "/" + target.name().dirName();
      Optional<ThreadCgroup> g = d.findThread(target.name());
      if (g.isEmpty()) {
        out.add(new Drift("group " + where, "present", "missing"));
        continue;
      }
      if (target.cpus().isPresent() && !g.get().cpus().equals(target.cpus().get())) {
        out.add(new Drift(where + " cpuset.cpus", target.cpus().get().toList(), g.get().cpus().toList()));
      } else if (target.cpus().isEmpty() && !g.get().effectiveCpus().equals(d.effectiveCpus())) {
        out.add(new Drift(where + " cpuset.cpus (unpinned)", d.effectiveCpus().toList(),
            g.get().effectiveCpus().toList()));
      }
      CpuSet mems = g.get().mems();
      if (target.mems().isPresent() && !mems.equals(target.mems().get())) {
        out.add(new Drift(where + " cpuset.mems", target.mems().get().toList(), mems.toList()));
      } else if (target.mems().isEmpty() && !mems.isEmpty() && !mems.equals(d.effectiveMems())) {
        // no numatune: the domain's nodes (an empty v2 cpuset.mems inherits them)
        out.add(new Drift(where + " cpuset.mems", d.effectiveMems().toList(), mems.toList()));
      }
      bandwidth(out, where, g.get(), target.period(), target.quota());
      List<Integer> members = g.get().threads();
      CpuSet mask = target.cpus().orElse(online);
      for (int tid : target.tids()) {
        if (!members.contains(tid)) {
          out.add(new Drift("thread " + tid + " (" + target.name().dirName() + ")", "in " + where,
              "in " + vm.qtune().threadGroupOf(vm.pid(), tid)));
        }
        CpuSet aff = ThreadAffinity.get(tid);
        if (!aff.equals(mask)) {
          out.add(new Drift("thread " + tid + " (" + target.name().dirName() + ") affinity", mask.toList(), aff.toList()));
        }
        if (!target.name().equals(ThreadGroupName.emulator())) {
          scheduler(out, tid, target.name().dirName(), target.sched());
        }
      }
    }
    // emulatorsched is the main thread's, as placement sets it
    scheduler(out, vm.pid(), "emulator", r.emulatorSched());
    return out;
  }

  /** A policy the spec leaves out is SCHED_OTHER, as placement sets it. */
  private static void scheduler(List<Drift> out, int tid, String role, Optional<Sched> want) {
    Sched w = want.orElse(Placer.DEFAULT_SCHED);
    String have;
    try {
      ThreadSchedule now = ThreadScheduler.get(tid);
      if (now.policy() == w.policy() && now.priority() == w.priority()) {
        return;
      }
      have = name(now.policy(), now.priority());
    } catch (IllegalArgumentException e) {
      have = "unknown (" + e.getMessage() + ")"; // SCHED_DEADLINE: not one qtune sets
    }
    out.add(new Drift("thread " + tid + " (" + role + ") scheduler", name(w.policy(), w.priority()), have));
  }

  private static String name(SchedPolicy p, int priority) {
    return p.realtime() ? p.libvirtName() + " " + priority : p.libvirtName();
  }

  private static void bandwidth(List<Drift> out, String where, io.qtune.host.cgroup.CpuCgroup g,
      Optional<Long> period, Optional<Long> quota) {
    long p = period.orElse(Placer.DEFAULT_PERIOD);
    long q = quota.orElse(Placer.UNLIMITED);
    if (g.cfsPeriod() != p) {
      out.add(new Drift(where + " period", String.valueOf(p), String.valueOf(g.cfsPeriod())));
    }
    if (!Placer.sameQuota(g.cfsQuota(), q)) {
      out.add(new Drift(where + " quota", String.valueOf(q), String.valueOf(g.cfsQuota())));
    }
  }
}
