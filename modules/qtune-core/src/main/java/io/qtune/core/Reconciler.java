package io.qtune.core;

import io.qtune.host.HostException;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.proc.ProcFs;
import io.qtune.host.sched.ThreadAffinity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts every task of QEMU where its role says. Threads started after placement inherit the group
 * and affinity of the thread that spawned them (the kernel's kvm-nx-lpage-recovery worker, QEMU
 * workers spawned from a vCPU or iothread): they belong to {@code emulator}. One batched pass: every
 * task's groups and affinity are read first, then only what differs is written (the attaches in
 * one burst, then the affinities), each change in the undo log.
 *
 * <p>Where a role's thread belongs is read from the kernel, not from this process's memory: the
 * role's group, and that group's CPUs as a pin ({@code cpuset.cpus} that differ from the domain's,
 * as {@link LiveTuning} reads pins back), else the host's online CPUs as placement sets them. So a
 * pin made by another qtune process since is kept, never undone.
 */
final class Reconciler {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

  /** Where a role puts a thread. */
  record Want(ThreadGroupName group, String path, CpuSet affinity) {}

  /** One task as the kernel has it, and where it belongs. */
  record Seen(int tid, String group, CpuSet affinity, Want want, boolean inGroup) {
    boolean stray() {
      return !inGroup || !affinity.equals(want.affinity());
    }
  }

  private final Vm vm;
  /** Threads unknown to the last discovery that a pass ending an operation has judged already. */
  private final Set<Integer> settled = java.util.concurrent.ConcurrentHashMap.newKeySet();

  Reconciler(Vm vm) {
    this.vm = vm;
  }

  /** The group each known thread's role puts it in (Placer's targets); other tasks: emulator. */
  static Map<Integer, ThreadGroupName> roles(VmThreads t, io.qtune.core.spec.ResolvedTuning r) {
    Map<Integer, ThreadGroupName> out = new HashMap<>();
    for (Placer.Target target : Placer.targets(t, r)) {
      target.tids().forEach(tid -> out.put(tid, target.name()));
    }
    return out;
  }

  /** Every thread the VM knows about from its last discovery. */
  static Set<Integer> known(VmThreads t) {
    Set<Integer> out = new HashSet<>(t.emulator());
    t.vcpus().forEach(v -> out.add(v.tid()));
    t.iothreads().forEach(i -> out.add(i.tid()));
    return out;
  }

  /**
   * Each task's groups and affinity beside its role's; reads only. Empty while qtune has not placed
   * the VM (no group to belong to). A task that exits meanwhile is left out.
   */
  List<Seen> read(VmThreads t, List<Integer> tasks) {
    DomainCgroup d = vm.domain();
    if (d == null) {
      return List.of();
    }
    Qtune qtune = vm.qtune();
    ProcFs proc = qtune.proc();
    int pid = vm.pid();
    Map<Integer, ThreadGroupName> roles = roles(t, vm.tuning());
    Map<ThreadGroupName, Want> wants = new HashMap<>();
    CpuSet online = qtune.hostFacts().onlineCpus();
    CpuSet[] domainCpus = new CpuSet[1];
    List<Seen> out = new ArrayList<>();
    for (int tid : tasks) {
      ThreadGroupName role = roles.getOrDefault(tid, ThreadGroupName.emulator());
      Want want = wants.computeIfAbsent(role, r -> {
        if (domainCpus[0] == null) {
          domainCpus[0] = d.effectiveCpus();
        }
        return want(d, r, domainCpus[0], online);
      });
      Map<String, String> cgroups;
      CpuSet affinity;
      try {
        cgroups = proc.threadCgroups(pid, tid);
        affinity = ThreadAffinity.get(tid);
      } catch (RuntimeException e) {
        if (proc.isTaskOf(pid, tid)) {
          throw e;
        }
        continue; // exited since the task list was read
      }
      out.add(new Seen(tid, qtune.groupIn(cgroups), affinity, want, qtune.inGroup(cgroups, want.path())));
    }
    return out;
  }

  private Want want(DomainCgroup d, ThreadGroupName role, CpuSet domainCpus, CpuSet online) {
    String path = d.layout().threadPath(role);
    Optional<ThreadCgroup> g = vm.group(role);
    CpuSet cpus = g.map(ThreadCgroup::cpus).orElse(CpuSet.empty());
    // pinned: the group's own CPUs; unpinned (empty on v2, the domain's on v1): every online CPU
    return new Want(role, path, cpus.isEmpty() || cpus.equals(domainCpus) ? online : cpus);
  }

  /** The pass: reads, then moves the strays; nothing is written when nothing is astray. */
  List<ThreadMove> run() {
    return run(true);
  }

  /**
   * @param rediscover whether a task the last discovery did not see makes QMP be asked again; the
   *     pass that ends a live operation says no (it is best effort and must not add a QMP exchange
   *     that can fail after the operation succeeded) and is {@link #afterOperation}
   */
  List<ThreadMove> run(boolean rediscover) {
    DomainCgroup d = vm.domain();
    if (d == null) {
      return List.of();
    }
    ProcFs proc = vm.qtune().proc();
    int pid = vm.pid();
    VmThreads t = vm.threads();
    List<Integer> tasks = proc.tasks(pid);
    List<Seen> strays;
    if (!rediscover) {
      strays = afterOperation(d, t, tasks);
    } else {
      if (!known(t).containsAll(tasks)) {
        // a thread born since the last discovery may be a vCPU or iothread another qtune process
        // added: its role comes from QEMU, not from a guess
        t = vm.refresh();
      }
      settled.clear();
      strays = read(t, tasks).stream().filter(Seen::stray).toList();
    }
    if (strays.isEmpty()) {
      return List.of();
    }
    UndoLog undo = new UndoLog();
    try {
      return move(d, pid, strays, undo);
    } catch (RuntimeException e) {
      int failed = undo.rollback();
      throw vm.failure("moving the stray threads of VM '" + vm.name() + "' back failed", e, failed);
    }
  }

  /**
   * The pass that ends a live operation: one listing of QEMU's tasks against the threads the last
   * discovery knows. Nothing else is read unless a thread was born since (the operation placed
   * what it touched; a known thread moved behind qtune's back is the periodic or an explicit pass's
   * to put back). A newborn sitting in a vCPU's or iothread's group while that role's own thread is
   * alive was spawned by it (a group holds one such thread): it is a worker and goes to
   * {@code emulator}, with the known threads read beside it. Any other newborn waits for a pass
   * that asks QEMU its role. Each newborn is judged once.
   */
  private List<Seen> afterOperation(DomainCgroup d, VmThreads t, List<Integer> tasks) {
    Set<Integer> known = known(t);
    settled.retainAll(tasks);
    List<Integer> born = tasks.stream().filter(x -> !known.contains(x) && !settled.contains(x)).toList();
    if (born.isEmpty()) {
      return List.of();
    }
    settled.addAll(born);
    ProcFs proc = vm.qtune().proc();
    Map<String, Integer> owners = new HashMap<>();
    for (Placer.Target target : Placer.targets(t, vm.tuning())) {
      if (!target.name().equals(ThreadGroupName.emulator()) && target.tids().size() == 1) {
        owners.put(d.layout().threadPath(target.name()), target.tids().get(0));
      }
    }
    List<Integer> judged = new ArrayList<>(tasks.stream().filter(known::contains).toList());
    judged.addAll(born);
    List<Seen> out = new ArrayList<>();
    for (Seen s : read(t, judged)) {
      if (!s.stray()) {
        continue;
      }
      if (known.contains(s.tid())) {
        out.add(s);
        continue;
      }
      Integer owner = owners.get(s.group());
      if (owner != null && owner != s.tid() && proc.isTaskOf(vm.pid(), owner)) {
        out.add(s);
      }
    }
    return out;
  }

  private List<ThreadMove> move(DomainCgroup d, int pid, List<Seen> strays, UndoLog undo) {
    ProcFs proc = vm.qtune().proc();
    Map<ThreadCgroup, List<Integer>> attach = new LinkedHashMap<>();
    List<Seen> moving = new ArrayList<>();
    for (Seen s : strays) {
      Optional<ThreadCgroup> g = s.inGroup() ? Optional.empty() : vm.group(s.want().group());
      if (!s.inGroup() && g.isEmpty()) {
        LOG.warn("VM {}: thread {} belongs in {}, which is missing; run 'apply' to re-place the VM",
            vm.name(), s.tid(), s.want().path());
        continue;
      }
      // the task list may be a moment old: a thread that exited since may have left its ID to
      // another process. Checked right before the writes, as Placer does.
      if (!proc.isTaskOf(pid, s.tid())) {
        continue;
      }
      moving.add(s);
      g.ifPresent(x -> attach.computeIfAbsent(x, k -> new ArrayList<>()).add(s.tid()));
    }
    // an attach to a v1 cpuset resets the affinity to the group's CPUs: a rollback sets the one read
    // (registered first, so it runs after the memberships are back)
    for (Seen s : moving) {
      if (!s.inGroup()) {
        undo.add("affinity of " + s.tid(), () -> affinityIfAlive(pid, s.tid(), s.affinity()));
      }
    }
    Set<Integer> gone = new HashSet<>(vm.qtune().placer().move(d, pid, attach, undo));
    List<ThreadMove> out = new ArrayList<>();
    for (Seen s : moving) {
      if (gone.contains(s.tid())) {
        continue;
      }
      try {
        Placer.affinity(s.tid(), s.want().affinity(), undo);
      } catch (HostException e) {
        if (!Placer.exited(e)) {
          throw e;
        }
        continue;
      }
      out.add(new ThreadMove(s.tid(), comm(pid, s.tid()), s.want().group().dirName(), s.group(),
          s.inGroup() ? s.group() : s.want().path(), s.affinity(), s.want().affinity()));
    }
    if (!out.isEmpty()) {
      LOG.info("VM {}: moved {} stray thread(s) back: {}", vm.name(), out.size(), out);
    }
    return out;
  }

  private void affinityIfAlive(int pid, int tid, CpuSet cpus) {
    if (vm.qtune().proc().isTaskOf(pid, tid)) {
      try {
        ThreadAffinity.set(tid, cpus);
      } catch (HostException e) {
        if (!Placer.exited(e)) {
          throw e;
        }
      }
    }
  }

  private String comm(int pid, int tid) {
    return vm.qtune().proc().thread(pid, tid).map(io.qtune.host.proc.ThreadStat::comm).orElse("?");
  }
}
