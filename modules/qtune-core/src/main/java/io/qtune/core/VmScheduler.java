package io.qtune.core;

import io.qtune.core.spec.Limits;
import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.SpecValidator;
import io.qtune.core.spec.TuningSpec;
import io.qtune.host.cgroup.CpuCgroup;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.cpu.CpuSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A VM's CPU bandwidth and scheduling (virsh schedinfo, and the spec's vcpusched applied live).
 */
public final class VmScheduler {
  private final Vm vm;

  VmScheduler(Vm vm) {
    this.vm = vm;
  }

  /** virsh schedinfo: values read back from the kernel. */
  public CompletableFuture<SchedInfo> get() {
    return vm.op(this::getNow);
  }

  private SchedInfo getNow() {
    DomainCgroup d = vm.domain();
    if (d == null) {
      throw new InvalidInputException("VM '" + vm.name() + "' is not placed by qtune yet (no group "
          + vm.domainPath() + "); run 'apply' first");
    }
    VmThreads threads = vm.threads();
    Qtune qtune = vm.qtune();
    Optional<ThreadCgroup> v0 = threads.vcpus().stream().filter(v -> v.tid() > 0).findFirst()
        .flatMap(v -> d.findThread(ThreadGroupName.vcpu(v.index())));
    Optional<ThreadCgroup> em = d.findThread(ThreadGroupName.emulator());
    Optional<ThreadCgroup> io = threads.iothreads().stream().findFirst()
        .flatMap(i -> d.findThread(ThreadGroupName.iothread(i.id())));
    return new SchedInfo(qtune.cgroupV2(), qtune.weightOf(d),
        v0.map(ThreadCgroup::cfsPeriod).orElse(null), v0.map(ThreadCgroup::cfsQuota).orElse(null),
        em.map(ThreadCgroup::cfsPeriod).orElse(null), em.map(ThreadCgroup::cfsQuota).orElse(null),
        d.cfsPeriod(), d.cfsQuota(),
        io.map(ThreadCgroup::cfsPeriod).orElse(null), io.map(ThreadCgroup::cfsQuota).orElse(null));
  }

  /**
   * virsh schedinfo --set: shares/weight and period/quota per level, written in the order given;
   * for each group the period first and the old period restored if the quota write fails. Read
   * the result back with {@link #get()}.
   */
  public CompletableFuture<Void> set(SchedParams params) {
    return vm.op(() -> {
      Qtune qtune = vm.qtune();
      List<String> problems = new ArrayList<>();
      params.values().forEach((k, v) -> {
        String p = switch (k) {
          case "cpu_shares" -> Limits.checkShares(v);
          case "cpu_weight" -> qtune.cgroupV2() ? Limits.checkWeight(v)
              : "cpu_weight needs cgroup v2; use cpu_shares on this cgroup v1 host";
          default -> k.endsWith("_period") ? Limits.checkPeriod(k, v) : Limits.checkQuota(k, v);
        };
        if (p != null) {
          problems.add(p);
        }
      });
      if (!problems.isEmpty()) {
        throw new InvalidInputException(problems);
      }
      vm.ensurePlaced();
      UndoLog undo = new UndoLog();
      TuningSpec s = vm.tuning().spec();
      VmThreads threads = vm.threads();
      try {
        for (Map.Entry<String, Long> e : params.values().entrySet()) {
          long v = e.getValue();
          switch (e.getKey()) {
            case "cpu_shares", "cpu_weight" -> {
              long nativeValue = e.getKey().equals("cpu_shares") ? qtune.sharesToNative(v) : v;
              DomainCgroup d = vm.domain();
              long old = qtune.weightOf(d);
              qtune.setWeight(d, nativeValue);
              undo.add("weight", () -> qtune.setWeight(d, old));
            }
            case "vcpu_period", "vcpu_quota" -> {
              for (VcpuThread vt : threads.vcpus()) {
                Optional<ThreadCgroup> g = vm.group(ThreadGroupName.vcpu(vt.index()));
                if (g.isPresent()) {
                  bandwidth(g.get(), e.getKey(), v, undo);
                }
              }
            }
            case "emulator_period", "emulator_quota" -> bandwidth(vm.group(
                ThreadGroupName.emulator()).orElseThrow(), e.getKey(), v, undo);
            case "global_period", "global_quota" -> bandwidth(vm.domain(), e.getKey(), v, undo);
            case "iothread_period", "iothread_quota" -> {
              for (IothreadThread io : threads.iothreads()) {
                Optional<ThreadCgroup> g = vm.group(ThreadGroupName.iothread(io.id()));
                if (g.isPresent()) {
                  bandwidth(g.get(), e.getKey(), v, undo);
                }
              }
            }
            default -> throw new IllegalStateException(e.getKey());
          }
          s = SpecEdits.withSchedParam(s, e.getKey(), v);
        }
      } catch (RuntimeException ex) {
        int failed = undo.rollback();
        throw vm.failure("setting scheduler parameters failed", ex, failed);
      }
      vm.tuning(vm.withSpec(s));
      return null;
    });
  }

  private static void bandwidth(CpuCgroup g, String key, long v, UndoLog undo) {
    if (key.endsWith("_period")) {
      Placer.periodQuota(g, Optional.of(v), Optional.empty(), undo);
    } else {
      Placer.periodQuota(g, Optional.empty(), Optional.of(v), undo);
    }
  }

  /** Sets the scheduling policy of vCPUs ({@code vcpusched}) live. */
  public CompletableFuture<Void> vcpuPolicy(String vcpus, String scheduler, Integer priority) {
    return vm.op(() -> {
      VmThreads threads = vm.threads();
      List<String> problems = new ArrayList<>();
      Optional<ResolvedTuning.Sched> s = SpecValidator.sched(problems, "vcpusched", scheduler, priority);
      CpuSet ids = null;
      try {
        ids = CpuSet.parse(vcpus);
      } catch (IllegalArgumentException e) {
        problems.add("vcpus: " + e.getMessage());
      }
      if (ids != null) {
        for (int v : ids.cpus()) {
          if (threads.vcpu(v) == null) {
            problems.add("vcpu " + v + " is out of range of live cpu count " + threads.vcpus().size());
          }
        }
      }
      if (!problems.isEmpty()) {
        throw new InvalidInputException(problems);
      }
      if (!threads.perVcpuThreads()) {
        throw new InvalidInputException("vCPU scheduling is not supported: this VM's vCPUs share QEMU's threads");
      }
      for (int v : ids.cpus()) {
        vm.requireOwn(threads.vcpu(v).tid(), "vCPU " + v);
      }
      UndoLog undo = new UndoLog();
      try {
        for (int v : ids.cpus()) {
          Placer.scheduler(threads.vcpu(v).tid(), s.get(), undo);
        }
      } catch (RuntimeException e) {
        int failed = undo.rollback();
        throw vm.failure("setting the scheduler of vcpus " + vcpus + " failed", e, failed);
      }
      TuningSpec next = SpecEdits.edit(vm.tuning().spec(), b -> {
        List<TuningSpec.VcpuSched> l = new ArrayList<>(b.vcpusched);
        l.add(new TuningSpec.VcpuSched(vcpus, scheduler, priority));
        b.vcpusched = l;
      });
      vm.tuning(vm.withSpec(next));
      return null;
    });
  }
}
