package io.qtune.core;

import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.ResolvedTuning.Sched;
import io.qtune.host.Errno;
import io.qtune.host.HostException;
import io.qtune.host.cgroup.CgroupBackend;
import io.qtune.host.cgroup.CgroupVersion;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.proc.ProcFs;
import io.qtune.host.sched.SchedPolicy;
import io.qtune.host.sched.ThreadAffinity;
import io.qtune.host.sched.ThreadSchedule;
import io.qtune.host.sched.ThreadScheduler;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Puts a VM's threads into their groups in libvirt's order: every group created and valued first,
 * then all attaches in one burst (only the first attach after idle pays an RCU grace period), then
 * {@code sched_setaffinity}, then scheduler policies. Every change is recorded in the undo log.
 */
final class Placer {
  /** The CFS defaults a fresh group inherits; converging an existing group goes back to them. */
  static final long DEFAULT_PERIOD = 100000;
  static final long UNLIMITED = -1;

  private final CgroupBackend backend;
  private final CpuSet online;
  private final ProcFs proc;

  Placer(CgroupBackend backend, CpuSet online, ProcFs proc) {
    this.backend = backend;
    this.online = online;
    this.proc = proc;
  }

  /** One thread group's wanted state. {@code cpus} empty means "inherit from the domain group". */
  record Target(ThreadGroupName name, Optional<CpuSet> cpus, Optional<CpuSet> mems,
      Optional<Long> period, Optional<Long> quota, List<Integer> tids, Optional<Sched> sched) {}

  /** The targets for a whole VM under {@code r}. */
  static List<Target> targets(VmThreads t, ResolvedTuning r) {
    List<Target> out = new ArrayList<>();
    out.add(new Target(ThreadGroupName.emulator(), r.emulatorPin(), r.mems(), r.emulatorPeriod(),
        r.emulatorQuota(), t.emulator(), Optional.empty()));
    if (t.perVcpuThreads()) {
      for (VcpuThread v : t.vcpus()) {
        out.add(vcpuTarget(v, r));
      }
    }
    for (IothreadThread io : t.iothreads()) {
      out.add(iothreadTarget(io, r));
    }
    return out;
  }

  static Target vcpuTarget(VcpuThread v, ResolvedTuning r) {
    return new Target(ThreadGroupName.vcpu(v.index()), Optional.ofNullable(r.vcpuPins().get(v.index())),
        r.mems(), r.period(), r.quota(), List.of(v.tid()),
        Optional.ofNullable(r.vcpuSched().get(v.index())));
  }

  static Target iothreadTarget(IothreadThread io, ResolvedTuning r) {
    return new Target(ThreadGroupName.iothread(io.id()), Optional.ofNullable(r.iothreadPins().get(io.id())),
        r.mems(), r.iothreadPeriod(), r.iothreadQuota(), List.of(io.tid()),
        Optional.ofNullable(r.iothreadSched().get(io.id())));
  }

  /**
   * Places {@code targets} under {@code domain}. Groups that exist are converged (values the spec
   * leaves unset go back to what a fresh group would have); new groups get only the spec's writes,
   * as libvirt does.
   */
  Map<ThreadGroupName, ThreadCgroup> place(DomainCgroup domain, int pid, List<Target> targets, UndoLog undo) {
    Map<ThreadGroupName, ThreadCgroup> groups = new LinkedHashMap<>();
    Map<ThreadCgroup, Collection<Integer>> attach = new LinkedHashMap<>();
    for (Target t : targets) {
      Optional<ThreadCgroup> existing = domain.findWholeThread(t.name());
      ThreadCgroup g = existing.orElseGet(() -> create(domain, t.name(), undo));
      groups.put(t.name(), g);
      if (existing.isPresent()) {
        converge(domain, g, t, undo);
        // threads already in place are not written again (at launch every thread is born in emulator);
        // in place means in every hierarchy: a qtune killed between a thread's v1 attach writes
        // left it in the cpu group only
        List<Integer> members = g.threadsInEveryHierarchy();
        attach.put(g, t.tids().stream().filter(tid -> !members.contains(tid)).toList());
      } else {
        fresh(g, t, undo);
        attach.put(g, t.tids());
      }
    }
    // a rollback puts every thread back where it was before this burst, not flat into the
    // domain group: a failed operation on a placed VM keeps its per-vCPU groups. Registered before
    // the burst, so a burst that fails halfway is undone too.
    // thread IDs come from a discovery that may be seconds old: one that exited since may belong
    // to another process now. Checked right before the burst (the live operations do the same);
    // emulator threads that exited are skipped by the burst itself.
    attach.forEach((g, tids) -> {
      for (int tid : tids) {
        if (!g.name().equals(ThreadGroupName.emulator()) && !proc.isTaskOf(pid, tid)) {
          throw new ForeignThreadException(g.name().dirName(), tid, pid);
        }
      }
    });
    List<Integer> moving = new ArrayList<>();
    attach.values().forEach(moving::addAll);
    if (!moving.isEmpty()) {
      // where each moving thread is now, for the rollback: one read of /proc/PID/task/TID/cgroup per
      // thread, not a listing of every group and a read of each one's members
      Map<Integer, ThreadGroupName> origin = new HashMap<>();
      for (int tid : moving) {
        currentGroup(domain, pid, tid).ifPresent(n -> origin.put(tid, n));
      }
      undo.add("memberships of " + moving, () -> restoreMemberships(domain, pid, moving, origin));
    }
    // one burst. Emulator threads include QEMU's thread-pool workers, which come and go: one that
    // exited since discovery is skipped, not an error.
    Map<ThreadCgroup, Collection<Integer>> stable = new LinkedHashMap<>();
    attach.forEach((g, tids) -> {
      if (g.name().equals(ThreadGroupName.emulator())) {
        backend.attachThreadsSkippingExited(g, tids);
      } else {
        stable.put(g, tids);
      }
    });
    backend.attachThreads(stable);
    for (Target t : targets) {
      CpuSet mask = t.cpus().orElse(online);
      boolean mayExit = t.name().equals(ThreadGroupName.emulator());
      for (int tid : t.tids()) {
        try {
          affinity(tid, mask, undo);
        } catch (HostException e) {
          if (!mayExit || !exited(e)) {
            throw e;
          }
        }
      }
    }
    for (Target t : targets) {
      // a policy the spec leaves out is SCHED_OTHER, as a fresh thread has: set behind qtune's
      // back or left by an earlier spec, it goes back (the emulator's is the caller's: main thread only)
      if (!t.name().equals(ThreadGroupName.emulator())) {
        for (int tid : t.tids()) {
          scheduler(tid, t.sched(), undo);
        }
      }
    }
    return groups;
  }

  /**
   * A new thread group. Its undo is registered before the mkdir, so a failure between the mkdir and
   * the group's first value leaves nothing; threads still inside when it is undone (one that was
   * never moved back, a worker spawned meanwhile) go to the domain group first.
   */
  ThreadCgroup create(DomainCgroup domain, ThreadGroupName name, UndoLog undo) {
    undo.add("create " + name.dirName(), () -> domain.findThread(name).ifPresent(g -> {
      moveToDomain(domain, g.threads());
      g.remove();
    }));
    return domain.thread(name, true);
  }

  /**
   * Moves threads between a placed VM's existing groups in one burst (reconcile): the undo puts each
   * back into the group it was in. Returns the threads that exited meanwhile (skipped).
   */
  List<Integer> move(DomainCgroup domain, int pid, Map<ThreadCgroup, List<Integer>> moves, UndoLog undo) {
    List<Integer> moving = new ArrayList<>();
    moves.values().forEach(moving::addAll);
    if (moving.isEmpty()) {
      return List.of();
    }
    Map<Integer, ThreadGroupName> origin = new HashMap<>();
    for (int tid : moving) {
      currentGroup(domain, pid, tid).ifPresent(n -> origin.put(tid, n));
    }
    undo.add("memberships of " + moving, () -> restoreMemberships(domain, pid, moving, origin));
    List<Integer> gone = new ArrayList<>();
    moves.forEach((g, tids) -> gone.addAll(backend.attachThreadsSkippingExited(g, tids)));
    return gone;
  }

  /** The thread group under {@code domain} that the thread is in now (by its cpu hierarchy), if any. */
  private Optional<ThreadGroupName> currentGroup(DomainCgroup domain, int pid, int tid) {
    Map<String, String> cgroups;
    try {
      cgroups = proc.threadCgroups(pid, tid);
    } catch (HostException e) {
      return Optional.empty(); // exited: the burst's own check reports it
    }
    String prefix = domain.layout().domainPath() + "/";
    boolean v2 = backend.version() == CgroupVersion.V2;
    for (Map.Entry<String, String> e : cgroups.entrySet()) {
      boolean cpu = v2 ? e.getKey().isEmpty() : List.of(e.getKey().split(",")).contains("cpu");
      if (cpu && e.getValue().startsWith(prefix)) {
        return ThreadGroupName.parse(e.getValue().substring(prefix.length()));
      }
    }
    return Optional.empty();
  }

  /** Puts threads back into the groups they were in (the domain group itself if in none). */
  private void restoreMemberships(DomainCgroup domain, int pid, List<Integer> tids,
      Map<Integer, ThreadGroupName> origin) {
    Map<ThreadCgroup, List<Integer>> back = new LinkedHashMap<>();
    List<Integer> toDomain = new ArrayList<>();
    for (int tid : tids) {
      if (!proc.isTaskOf(pid, tid)) {
        continue; // exited: its ID may be another process's by now
      }
      ThreadCgroup g = Optional.ofNullable(origin.get(tid)).flatMap(domain::findThread).orElse(null);
      if (g == null) {
        toDomain.add(tid);
      } else {
        back.computeIfAbsent(g, x -> new ArrayList<>()).add(tid);
      }
    }
    back.forEach(backend::attachThreadsSkippingExited);
    moveToDomain(domain, toDomain);
  }

  /** Moves threads into the domain group itself; one that exited meanwhile is skipped. */
  static void moveToDomain(DomainCgroup domain, Collection<Integer> tids) {
    for (int tid : tids) {
      try {
        domain.evacuate(List.of(tid));
      } catch (HostException e) {
        if (!exited(e)) {
          throw e;
        }
      }
    }
  }

  /**
   * A new group inherited everything: write only what the spec sets, in libvirt's order. Nothing
   * is read back for the undo log: undoing a new group is removing it.
   */
  void fresh(ThreadCgroup g, Target t, UndoLog undo) {
    t.cpus().ifPresent(g::setCpus);
    t.mems().ifPresent(g::setMems);
    t.period().ifPresent(g::setCfsPeriod);
    t.quota().ifPresent(g::setCfsQuota);
  }

  /** A group placed before: bring it to what a fresh placement with this target would give. */
  void converge(DomainCgroup domain, ThreadCgroup g, Target t, UndoLog undo) {
    if (t.cpus().isPresent()) {
      if (!g.cpus().equals(t.cpus().get())) {
        setCpus(g, t.cpus().get(), undo);
      }
    } else if (!g.effectiveCpus().equals(domain.effectiveCpus())) {
      // unpinned: back to the domain's CPUs. Not an empty cpuset: v2 refuses to empty the cpuset
      // of a group that holds threads (ENOSPC), so both versions get the domain's CPUs written
      setCpus(g, domain.effectiveCpus(), undo);
    }
    if (t.mems().isPresent()) {
      if (!g.mems().equals(t.mems().get())) {
        setMems(g, t.mems().get(), undo);
      }
    } else {
      // numatune removed: back to the domain's nodes (written out, as for CPUs: emptying the
      // cpuset.mems of a group with threads is ENOSPC on v2; an empty one already inherits)
      CpuSet mems = g.mems();
      CpuSet domainMems = domain.effectiveMems();
      if (!mems.isEmpty() && !mems.equals(domainMems)) {
        setMems(g, domainMems, undo);
      }
    }
    long period = t.period().orElse(DEFAULT_PERIOD);
    long quota = t.quota().orElse(UNLIMITED);
    periodQuota(g, g.cfsPeriod() == period ? Optional.empty() : Optional.of(period),
        sameQuota(g.cfsQuota(), quota) ? Optional.empty() : Optional.of(quota), undo);
  }

  /** The thread is gone: ESRCH from the kernel. */
  static boolean exited(HostException e) {
    Integer tid = null;
    if (e instanceof io.qtune.host.sched.AffinityException a) {
      tid = a.tid();
    } else if (e instanceof io.qtune.host.sched.SchedulerException s) {
      tid = s.tid();
    } else if (e instanceof io.qtune.host.cgroup.CgroupWriteException w && w.value().matches("\\d+")) {
      tid = Integer.parseInt(w.value());
    }
    // an ESRCH for a thread that is still there is a real failure, not an exit
    return tid != null ? io.qtune.host.ThreadGone.exited(e, tid) : e.errno().orElse(null) == Errno.ESRCH;
  }

  static boolean sameQuota(long a, long b) {
    return a == b || (a < 0 && b < 0);
  }

  void setCpus(ThreadCgroup g, CpuSet cpus, UndoLog undo) {
    CpuSet old = g.cpus();
    g.setCpus(cpus);
    undo.add("cpuset.cpus of " + g.name().dirName(), () -> g.setCpus(old));
  }

  void setMems(ThreadCgroup g, CpuSet mems, UndoLog undo) {
    CpuSet old = g.mems();
    g.setMems(mems);
    undo.add("cpuset.mems of " + g.name().dirName(), () -> g.setMems(old));
  }

  /**
   * libvirt's virCgroupSetupCpuPeriodQuota: period first, then quota; if the quota write fails
   * the old period is written back and the quota error is the one reported.
   */
  static void periodQuota(io.qtune.host.cgroup.CpuCgroup g, Optional<Long> period,
      Optional<Long> quota, UndoLog undo) {
    // read back only what is written: each read is a file open on the live-op path
    long oldPeriod = period.isPresent() ? g.cfsPeriod() : 0;
    long oldQuota = quota.isPresent() ? g.cfsQuota() : 0;
    if (period.isPresent()) {
      g.setCfsPeriod(period.get());
      undo.add("period", () -> g.setCfsPeriod(oldPeriod));
    }
    if (quota.isPresent()) {
      try {
        g.setCfsQuota(quota.get());
      } catch (RuntimeException e) {
        if (period.isPresent()) {
          try {
            g.setCfsPeriod(oldPeriod);
          } catch (RuntimeException suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw e;
      }
      undo.add("quota", () -> g.setCfsQuota(oldQuota));
    }
  }

  static void affinity(int tid, CpuSet mask, UndoLog undo) {
    CpuSet old = ThreadAffinity.get(tid);
    if (old.equals(mask)) {
      return;
    }
    ThreadAffinity.set(tid, mask);
    undo.add("affinity of " + tid, () -> ThreadAffinity.set(tid, old));
  }

  static final Sched DEFAULT_SCHED = new Sched(SchedPolicy.OTHER, 0);

  /** The spec's policy, or SCHED_OTHER when it sets none. */
  static void scheduler(int tid, Optional<Sched> s, UndoLog undo) {
    scheduler(tid, s.orElse(DEFAULT_SCHED), undo);
  }

  /** Sets {@code s} unless the thread has it; the undo gives back the old policy and priority. */
  static void scheduler(int tid, Sched s, UndoLog undo) {
    ThreadSchedule old = schedule(tid);
    if (old.policy() == s.policy() && old.priority() == s.priority()) {
      return;
    }
    ThreadScheduler.set(tid, s.policy(), s.priority());
    undo.add("scheduler of " + tid, () -> ThreadScheduler.set(tid, old.policy(), old.priority()));
  }

  /** The thread's policy and priority, refused for one qtune could not set back (SCHED_DEADLINE). */
  static ThreadSchedule schedule(int tid) {
    try {
      return ThreadScheduler.get(tid);
    } catch (IllegalArgumentException e) {
      throw new OperationFailedException("thread " + tid + " runs a scheduling policy qtune cannot set "
          + "back if the operation fails (" + e.getMessage() + "); change it first, e.g. with chrt", e);
    }
  }
}
