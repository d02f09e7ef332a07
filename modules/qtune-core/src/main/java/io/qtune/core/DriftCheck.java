package io.qtune.core;

import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.VmFacts;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.ThreadAffinity;
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
      String where = vm.domainPath() + "/" + target.name();
      Optional<ThreadCgroup> g = d.findThread(target.name());
      if (g.isEmpty()) {
        out.add(new Drift("group " + where, "present", "missing"));
        continue;
      }
      CpuSet cpus = target.cpus().orElseGet(d::cpus);
      if (!g.get().cpus().equals(cpus)) {
        out.add(new Drift(where + " cpuset.cpus", cpus.toList(), g.get().cpus().toList()));
      }
      if (target.mems().isPresent() && !g.get().mems().equals(target.mems().get())) {
        out.add(new Drift(where + " cpuset.mems", target.mems().get().toList(), g.get().mems().toList()));
      }
      bandwidth(out, where, g.get(), target.period(), target.quota());
      List<Integer> members = g.get().threads();
      CpuSet mask = target.cpus().orElse(online);
      for (int tid : target.tids()) {
        if (!members.contains(tid)) {
          out.add(new Drift("thread " + tid + " (" + target.name() + ")", "in " + where,
              "in " + vm.qtune().threadGroupOf(vm.pid(), tid)));
        }
        CpuSet aff = ThreadAffinity.get(tid);
        if (!aff.equals(mask)) {
          out.add(new Drift("thread " + tid + " (" + target.name() + ") affinity", mask.toList(), aff.toList()));
        }
      }
    }
    return out;
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
