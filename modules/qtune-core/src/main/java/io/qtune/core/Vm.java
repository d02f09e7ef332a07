package io.qtune.core;

import io.qtune.core.spec.Limits;
import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.SpecValidator;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.spec.VmFacts;
import io.qtune.host.cgroup.CgroupLayout;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.proc.ThreadStat;
import io.qtune.host.sched.ThreadAffinity;
import io.qtune.qmp.QmpClient;
import io.qtune.qmp.model.HotpluggableCpu;
import io.qtune.qmp.model.IothreadProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One QEMU VM under qtune's control: its QMP connection, its cgroups and its threads. Every
 * operation is validated before the first write and rolled back if a write fails midway;
 * operations on one VM run one at a time.
 */
public final class Vm implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Vm.class);

  private final Qtune qtune;
  private final QmpClient qmp;
  private final int pid;
  private final io.qtune.host.proc.ProcessIdentity identity;
  private final String name;
  private final CgroupLayout layout;
  private final OpQueue ops;
  private final Process process;
  private final CompletableFuture<Void> gone = new CompletableFuture<>();
  private volatile DomainCgroup domain;
  private volatile VmThreads threads;
  private volatile ResolvedTuning tuning;
  private volatile boolean closedByUs;
  /** Thread groups looked up by live operations (each lookup is a stat per hierarchy). */
  private final Map<ThreadGroupName, ThreadCgroup> groups = new java.util.concurrent.ConcurrentHashMap<>();

  Vm(Qtune qtune, QmpClient qmp, io.qtune.host.proc.ProcessIdentity identity, String name,
      CgroupLayout layout, DomainCgroup domain, VmThreads threads, ResolvedTuning tuning, Process process) {
    this.qtune = qtune;
    this.qmp = qmp;
    this.identity = identity;
    this.pid = identity.pid();
    this.name = name;
    this.layout = layout;
    this.domain = domain;
    this.threads = threads;
    this.tuning = tuning;
    this.process = process;
    this.ops = new OpQueue(qtune.workers(), () -> !qtune.loop().inEventLoop());
  }

  public String name() {
    return name;
  }

  public int pid() {
    return pid;
  }

  /** QEMU's pid with its start time: what qtune signals and checks, never the bare pid. */
  public io.qtune.host.proc.ProcessIdentity identity() {
    return identity;
  }

  public QmpClient qmp() {
    return qmp;
  }

  /** The domain group's path relative to the cgroup mount, e.g. {@code /machine/qemu-1-vm1.libvirt-qemu}. */
  public String domainPath() {
    return layout.domainPath();
  }

  /** Whether qtune has placed this VM (its domain group exists). */
  public boolean placed() {
    return domain != null;
  }

  /** Whether qtune launched this QEMU (and so supervises it). */
  public boolean launched() {
    return process != null;
  }

  public VmThreads threads() {
    return threads;
  }

  /**
   * The tuning in force: the spec applied (or, for a VM opened after an earlier placement, read
   * back from the kernel), updated by every live operation.
   */
  public TuningSpec spec() {
    return tuning.spec();
  }

  /** Completes once QEMU has exited and its groups are removed. */
  public CompletableFuture<Void> exited() {
    return gone;
  }

  // ---------------------------------------------------------------- placement

  /** Converges the VM to {@code spec}: creates missing iothreads, (re)places every thread. */
  public CompletableFuture<Vm> apply(TuningSpec spec) {
    return op(() -> {
      applyNow(spec);
      return this;
    });
  }

  void applyNow(TuningSpec spec) {
    applyNow(spec, refresh());
  }

  /** With threads just discovered by the caller (attach, launch): QMP is not asked twice. */
  void applyNow(TuningSpec spec, VmThreads t) {
    ResolvedTuning r = qtune.validator().resolve(spec, facts(t));
    UndoLog undo = new UndoLog();
    try {
      if (createMissingIothreads(r, undo)) {
        t = refresh();
      }
    } catch (RuntimeException e) {
      int failed = undo.rollback();
      refreshQuietly();
      throw failure("creating the iothreads of VM '" + name + "' failed", e, failed);
    }
    place(t, r, undo);
  }

  private VmFacts facts(VmThreads t) {
    Set<Integer> ios = new TreeSet<>();
    t.iothreads().forEach(i -> ios.add(i.id()));
    return new VmFacts(t.maxVcpus(), ios);
  }

  /** object-add of each spec iothread QEMU lacks; each one is object-del'ed if the operation fails. */
  private boolean createMissingIothreads(ResolvedTuning r, UndoLog undo) {
    boolean created = false;
    for (IothreadSpec io : r.spec().iothreads()) {
      if (threads.iothread(io.id()) == null) {
        String id = "iothread" + io.id();
        qmp.addIothread(properties(io)).join();
        undo.add("object-add " + id, () -> qmp.objectDel(id).join());
        created = true;
      }
    }
    return created;
  }

  static IothreadProperties properties(IothreadSpec io) {
    return new IothreadProperties("iothread" + io.id(), io.pollMaxNs(), io.pollGrow(),
        io.pollShrink(), io.aioMaxBatch(), io.threadPoolMin(), io.threadPoolMax());
  }

  private void place(VmThreads t, ResolvedTuning r, UndoLog undo) {
    groups.clear();
    boolean created = domain == null;
    Map<String, String> original = created ? qtune.proc().cgroups(pid) : Map.of();
    try {
      if (created) {
        // under the host-wide lock: the name is checked and recorded before the group exists, so
        // gc (which removes only recorded groups of gone VMs) and a second qtune see it
        try (var lock = qtune.state().lock()) {
          qtune.requireNameFree(name, pid);
          boolean recorded = qtune.state().find(name).isPresent();
          // registered before the kernel call: a failure after QEMU moved in must still return it
          // and remove the group
          undo.add("create domain group " + layout.domainPath(), () -> {
            try (var relock = qtune.state().lock()) {
              undoDomain(original);
              if (!recorded) {
                qtune.state().forget(name);
              }
            }
          });
          qtune.state().record(this);
          domain = qtune.backend().createDomain(layout, pid);
        }
        qtune.afterDomainCreated.run();
      }
      domainValues(r, created, undo);
      qtune.placer().place(domain, pid, Placer.targets(t, r), undo);
      if (!t.perVcpuThreads()) {
        // the shared TCG thread is an emulator thread here: its affinity follows the emulator pin
        LOG.info("VM {}: vCPUs share QEMU's threads; vcpupin cannot be applied per vCPU", name);
      }
      Placer.scheduler(pid, r.emulatorSched(), undo); // none in the spec: back to SCHED_OTHER
      tuning = r;
      qtune.state().record(this);
    } catch (RuntimeException e) {
      int failed = rollbackPlacement(undo, created);
      throw failure("placing VM '" + name + "' failed", e, failed);
    }
  }

  /** Returns QEMU to the groups it came from and removes its new domain group. */
  private void undoDomain(Map<String, String> original) {
    try {
      qtune.backend().returnProcess(pid, original);
    } catch (RuntimeException e) {
      if (qtune.proc().isCurrent(identity)) {
        throw e;
      }
      // QEMU died meanwhile: nothing to return, the group is empty
    }
    qtune.backend().open(layout).ifPresent(DomainCgroup::remove);
  }

  private void domainValues(ResolvedTuning r, boolean created, UndoLog undo) {
    DomainCgroup d = domain;
    Optional<Long> weight = weight(r.spec().shares(), r.spec().weight());
    if (created) {
      // a new domain group is undone by removing it: plain writes, libvirt's order
      weight.ifPresent(w -> qtune.setWeight(d, w));
      r.globalPeriod().ifPresent(d::setCfsPeriod);
      r.globalQuota().ifPresent(d::setCfsQuota);
      return;
    }
    if (weight.isPresent()) {
      long old = qtune.weightOf(d);
      if (old != weight.get()) {
        qtune.setWeight(d, weight.get());
        undo.add("cpu weight", () -> qtune.setWeight(d, old));
      }
    } else if (qtune.weightOf(d) != qtune.defaultWeight()) {
      long old = qtune.weightOf(d);
      qtune.setWeight(d, qtune.defaultWeight());
      undo.add("cpu weight", () -> qtune.setWeight(d, old));
    }
    long period = r.globalPeriod().orElse(Placer.DEFAULT_PERIOD);
    long quota = r.globalQuota().orElse(Placer.UNLIMITED);
    Placer.periodQuota(d, d.cfsPeriod() == period ? Optional.empty() : Optional.of(period),
        Placer.sameQuota(d.cfsQuota(), quota) ? Optional.empty() : Optional.of(quota), undo);
  }

  /**
   * The value for the cpu controller's relative weight file: shares on v1 (cpu.shares) and on v2
   * the weight, or shares converted (see CpuWeights in the host module).
   */
  private Optional<Long> weight(Long shares, Long weight) {
    if (weight != null) {
      return Optional.of(weight);
    }
    if (shares == null) {
      return Optional.empty();
    }
    return Optional.of(qtune.sharesToNative(shares));
  }

  private int rollbackPlacement(UndoLog undo, boolean domainCreated) {
    // the undo log puts each thread back into the group it was in, then removes new groups
    int failed = undo.rollback();
    refreshQuietly();
    if (domainCreated) {
      domain = null;
    }
    return failed;
  }

  // ---------------------------------------------------------------- live operations

  /** virsh vcpupin VM VCPU CPULIST --live. */
  public CompletableFuture<Void> pinVcpu(int vcpu, String cpulist) {
    return op(() -> {
      VmThreads t = threads;
      if (vcpu < 0 || vcpu >= t.maxVcpus()) {
        throw new InvalidInputException("vcpu " + vcpu + " is out of range of live cpu count " + t.maxVcpus());
      }
      CpuSet cpus = cpus(cpulist, "Empty cpu list for pinning");
      if (!t.perVcpuThreads()) {
        throw new InvalidInputException("cpu affinity is not supported: QEMU runs this VM's vCPUs on "
            + "shared threads (TCG without thread=multi)");
      }
      ensurePlaced();
      VcpuThread v = t.vcpu(vcpu);
      if (v == null) {
        // an offline vCPU: libvirt only records the pin; it applies when the vCPU is plugged
        tuning = pinned(tuning, withVcpuPin(tuning.spec(), vcpu, cpus), vcpu, cpus, null, -1, null);
        return null;
      }
      ThreadCgroup g = group(ThreadGroupName.vcpu(vcpu))
          .orElseThrow(() -> new OperationFailedException("group vcpu" + vcpu + " is missing under "
              + layout.domainPath() + "; run 'apply' to re-place the VM"));
      pin(g, List.of(v.tid()), cpus, "vcpu " + vcpu);
      tuning = pinned(tuning, withVcpuPin(tuning.spec(), vcpu, cpus), vcpu, cpus, null, -1, null);
      return null;
    });
  }

  /** virsh emulatorpin VM CPULIST --live: the emulator group, and the main thread's affinity. */
  public CompletableFuture<Void> pinEmulator(String cpulist) {
    return op(() -> {
      CpuSet cpus = cpus(cpulist, "Empty cpu list for pinning");
      ensurePlaced();
      ThreadCgroup g = group(ThreadGroupName.emulator()).orElseThrow(() ->
          new OperationFailedException("group emulator is missing under " + layout.domainPath()));
      // libvirt re-affines only the main thread; the others follow through the cpuset. qtune sets
      // every emulator thread so that Cpus_allowed_list tells the truth for all of them.
      pin(g, g.threads(), cpus, "emulator");
      tuning = pinned(tuning, copy(tuning.spec(), b -> b.emulatorpin = cpus.toList()), -1, null, cpus, -1, null);
      return null;
    });
  }

  /** virsh iothreadpin VM ID CPULIST --live. */
  public CompletableFuture<Void> pinIothread(int id, String cpulist) {
    return op(() -> {
      if (id <= 0) {
        throw new InvalidInputException("invalid value of " + id + " for iothread_id");
      }
      IothreadThread io = threads.iothread(id);
      if (io == null) {
        throw new InvalidInputException("iothread " + id + " not found");
      }
      CpuSet cpus = cpus(cpulist, "Empty iothread cpumap list for pinning");
      ensurePlaced();
      ThreadCgroup g = group(ThreadGroupName.iothread(id)).orElseThrow(() ->
          new OperationFailedException("group iothread" + id + " is missing under " + layout.domainPath()));
      pin(g, List.of(io.tid()), cpus, "iothread " + id);
      tuning = pinned(tuning, withIothreadPin(tuning.spec(), id, cpus), -1, null, null, id, cpus);
      return null;
    });
  }

  /** cpuset first, then affinity (libvirt: "configure the cpuset cgroup before set affinity"). */
  private void pin(ThreadCgroup g, List<Integer> tids, CpuSet cpus, String what) {
    // emulator threads include QEMU's thread-pool workers, which come and go: one that exited is
    // skipped; a vCPU or iothread thread that is gone is an error
    boolean mayExit = g.name().equals(ThreadGroupName.emulator());
    List<Integer> live = new ArrayList<>();
    for (int tid : tids) {
      if (qtune.proc().isTaskOf(pid, tid)) {
        live.add(tid);
      } else if (!mayExit) {
        requireOwn(tid, what);
      }
    }
    UndoLog undo = new UndoLog();
    try {
      qtune.placer().setCpus(g, cpus, undo);
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
      groups.remove(g.name()); // the group may be gone: look it up again next time
      int failed = undo.rollback();
      throw failure("failed to set cpuset.cpus in cgroup for " + what, e, failed);
    }
  }

  /** virsh iothreadadd VM ID: object-add, find the new thread, place it with current settings. */
  public CompletableFuture<IothreadInfo> addIothread(IothreadSpec spec) {
    return op(() -> {
      if (spec.id() <= 0) {
        throw new InvalidInputException("invalid value of " + spec.id() + " for iothread_id");
      }
      VmThreads before = refreshIothreads();
      if (before.iothread(spec.id()) != null) {
        throw new InvalidInputException("an IOThread is already using iothread_id '" + spec.id() + "'");
      }
      TuningSpec next = copy(tuning.spec(), b -> {
        List<IothreadSpec> l = new ArrayList<>(b.iothreads);
        l.add(spec);
        b.iothreads = l;
      });
      ResolvedTuning r = qtune.validator().resolve(next, facts(before));
      ensurePlaced();
      qmp.addIothread(properties(spec)).join();
      UndoLog undo = new UndoLog();
      undo.add("object-add iothread" + spec.id(), () -> qmp.objectDel("iothread" + spec.id()).join());
      try {
        VmThreads after = refreshIothreads();
        if (after.iothreads().size() != before.iothreads().size() + 1) {
          throw new OperationFailedException("got wrong number of IOThread ids from QEMU monitor. got "
              + after.iothreads().size() + ", wanted " + (before.iothreads().size() + 1));
        }
        IothreadThread io = after.iothread(spec.id());
        if (io == null) {
          throw new OperationFailedException("cannot find new IOThread '" + spec.id() + "' in QEMU monitor.");
        }
        qtune.placer().place(domain, pid, List.of(Placer.iothreadTarget(io, r)), undo);
        tuning = r;
        return info(io);
      } catch (RuntimeException e) {
        int failed = undo.rollback();
        refresh();
        throw failure("adding iothread " + spec.id() + " failed", e, failed);
      }
    });
  }

  /** virsh iothreaddel VM ID: refused while a disk uses it; object-del, then its group goes. */
  public CompletableFuture<Void> deleteIothread(int id) {
    return op(() -> {
      if (id <= 0) {
        throw new InvalidInputException("invalid value of " + id + " for iothread_id");
      }
      VmThreads before = refreshIothreads();
      IothreadThread io = before.iothread(id);
      if (io == null) {
        throw new InvalidInputException("cannot find IOThread '" + id + "' in iothreadids list");
      }
      List<String> users = Disks.usersOf(qmp, io.qomId());
      if (!users.isEmpty()) {
        throw new InvalidInputException("cannot remove IOThread " + id + " since it is being used by disk '"
            + String.join("', '", users) + "'");
      }
      // object-del cannot be undone, so it is the last step: the group goes first (its thread to
      // the domain group), and a failure up to and including object-del puts the group back
      UndoLog undo = new UndoLog();
      try {
        DomainCgroup d = domain;
        Optional<ThreadCgroup> g = d == null ? Optional.empty() : d.findThread(ThreadGroupName.iothread(id));
        if (g.isPresent()) {
          groups.remove(ThreadGroupName.iothread(id));
          ResolvedTuning r = tuning;
          undo.add("remove group iothread" + id, () -> {
            // what a removal that failed halfway left (v1: some controllers' directories) goes
            // first, so the group comes back whole, with the spec's values, and its thread in it
            d.findThread(ThreadGroupName.iothread(id)).ifPresent(half -> {
              // the thread itself too: a move that failed halfway left it in some controllers
              List<Integer> inside = new ArrayList<>(half.threads());
              inside.add(io.tid());
              Placer.moveToDomain(d, inside);
              half.remove();
            });
            qtune.placer().place(d, pid, List.of(Placer.iothreadTarget(io, r)), new UndoLog());
          });
          Placer.moveToDomain(d, g.get().threads());
          g.get().remove();
        }
        qmp.objectDel(io.qomId()).join();
      } catch (RuntimeException e) {
        int failed = undo.rollback();
        throw failure("deleting iothread " + id + " failed", e, failed);
      }
      // QEMU has dropped the iothread: the VM's spec says so before anything else can fail
      tuning = withSpec(copy(tuning.spec(), b -> {
        b.iothreads = b.iothreads.stream().filter(s -> s.id() != id).toList();
        b.iothreadpin = b.iothreadpin.stream().filter(p -> p.iothread() != id).toList();
      }));
      VmThreads after = refreshIothreads();
      if (after.iothreads().size() != before.iothreads().size() - 1) {
        throw new OperationFailedException("got wrong number of IOThread ids from QEMU monitor. got "
            + after.iothreads().size() + ", wanted " + (before.iothreads().size() - 1));
      }
      return null;
    });
  }

  /**
   * virsh schedinfo --set: shares/weight and period/quota per level, written in the order given;
   * for each group the period first and the old period restored if the quota write fails. Read
   * the result back with {@link #schedInfo()}.
   */
  public CompletableFuture<Void> setSchedParams(SchedParams params) {
    return op(() -> {
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
      ensurePlaced();
      UndoLog undo = new UndoLog();
      TuningSpec s = tuning.spec();
      try {
        for (Map.Entry<String, Long> e : params.values().entrySet()) {
          long v = e.getValue();
          switch (e.getKey()) {
            case "cpu_shares", "cpu_weight" -> {
              long nativeValue = e.getKey().equals("cpu_shares") ? qtune.sharesToNative(v) : v;
              DomainCgroup d = domain;
              long old = qtune.weightOf(d);
              qtune.setWeight(d, nativeValue);
              undo.add("weight", () -> qtune.setWeight(d, old));
            }
            case "vcpu_period", "vcpu_quota" -> {
              for (VcpuThread vt : threads.vcpus()) {
                Optional<ThreadCgroup> g = group(ThreadGroupName.vcpu(vt.index()));
                if (g.isPresent()) {
                  bandwidth(g.get(), e.getKey(), v, undo);
                }
              }
            }
            case "emulator_period", "emulator_quota" -> bandwidth(group(
                ThreadGroupName.emulator()).orElseThrow(), e.getKey(), v, undo);
            case "global_period", "global_quota" -> bandwidth(domain, e.getKey(), v, undo);
            case "iothread_period", "iothread_quota" -> {
              for (IothreadThread io : threads.iothreads()) {
                Optional<ThreadCgroup> g = group(ThreadGroupName.iothread(io.id()));
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
        throw failure("setting scheduler parameters failed", ex, failed);
      }
      tuning = withSpec(s);
      return null;
    });
  }

  private static void bandwidth(io.qtune.host.cgroup.CpuCgroup g, String key, long v, UndoLog undo) {
    if (key.endsWith("_period")) {
      Placer.periodQuota(g, Optional.of(v), Optional.empty(), undo);
    } else {
      Placer.periodQuota(g, Optional.empty(), Optional.of(v), undo);
    }
  }

  /** Sets the scheduling policy of vCPUs ({@code vcpusched}) live. */
  public CompletableFuture<Void> setVcpuScheduler(String vcpus, String scheduler, Integer priority) {
    return op(() -> {
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
        requireOwn(threads.vcpu(v).tid(), "vCPU " + v);
      }
      UndoLog undo = new UndoLog();
      try {
        for (int v : ids.cpus()) {
          Placer.scheduler(threads.vcpu(v).tid(), s.get(), undo);
        }
      } catch (RuntimeException e) {
        int failed = undo.rollback();
        throw failure("setting the scheduler of vcpus " + vcpus + " failed", e, failed);
      }
      TuningSpec next = copy(tuning.spec(), b -> {
        List<TuningSpec.VcpuSched> l = new ArrayList<>(b.vcpusched);
        l.add(new TuningSpec.VcpuSched(vcpus, scheduler, priority));
        b.vcpusched = l;
      });
      tuning = withSpec(next);
      return null;
    });
  }

  /** virsh setvcpus VM COUNT --live: hotplug vCPUs up to COUNT and place each new thread. */
  public CompletableFuture<List<VcpuInfo>> setVcpus(int count) {
    return op(() -> {
      VmThreads t = refresh();
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
      ensurePlaced();
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
        VmThreads after = refresh();
        List<Placer.Target> targets = new ArrayList<>();
        for (VcpuThread v : after.vcpus()) {
          if (t.vcpu(v.index()) == null && after.perVcpuThreads()) {
            targets.add(Placer.vcpuTarget(v, tuning));
          }
        }
        qtune.placer().place(domain, pid, targets, undo);
      } catch (RuntimeException e) {
        int failed = undo.rollback();
        refresh();
        throw failure("hotplugging vCPUs failed", e, failed);
      }
      return vcpuInfoNow();
    });
  }

  /** Attaches a raw image (libvirt's default format) as a virtio-blk disk served by {@code iothread}. */
  public CompletableFuture<Void> attachDisk(Path file, String target, int iothread) {
    return attachDisk(file, target, iothread, DiskFormat.RAW);
  }

  /**
   * Attaches an image in the {@code format} the caller names (never probed) as a virtio-blk disk
   * served by iothread {@code iothread}; a qcow2 image's backing or data file is never opened.
   */
  public CompletableFuture<Void> attachDisk(Path file, String target, int iothread, DiskFormat format) {
    return op(() -> {
      if (threads.iothread(iothread) == null) {
        throw new InvalidInputException("iothread " + iothread + " not found");
      }
      Disks.attach(qmp, file, target, "iothread" + iothread, format);
      return null;
    });
  }

  /** Detaches a disk attached by {@link #attachDisk}; waits for the guest to release it. */
  public CompletableFuture<Void> detachDisk(String target, Duration timeout) {
    return op(() -> {
      Disks.detach(qmp, target, timeout);
      return null;
    });
  }

  // ---------------------------------------------------------------- queries

  /** virsh vcpuinfo: one entry per online vCPU (virsh prints no unplugged slot). */
  public CompletableFuture<List<VcpuInfo>> vcpuInfo() {
    return op(this::vcpuInfoNow);
  }

  private List<VcpuInfo> vcpuInfoNow() {
    VmThreads t = refresh();
    List<VcpuInfo> out = new ArrayList<>();
    for (VcpuThread v : t.vcpus()) {
      int tid = v.tid() > 0 ? v.tid() : pid;
      Optional<ThreadStat> st = qtune.proc().thread(pid, tid);
      out.add(new VcpuInfo(v.index(), v.tid(), st.map(ThreadStat::lastCpu).orElse(-1),
          st.map(s -> state(s.state())).orElse("unknown"), st.map(ThreadStat::cpuTimeNs).orElse(0L),
          st.map(ThreadStat::cpusAllowed).orElseGet(() -> ThreadAffinity.get(tid))));
    }
    return out;
  }

  /**
   * virsh vcpupin (query): every vCPU slot up to maxcpus, as virsh lists them; an unplugged slot
   * shows its recorded pin, else the host's CPUs.
   */
  public CompletableFuture<Map<Integer, CpuSet>> vcpuPins() {
    return op(() -> {
      Map<Integer, CpuSet> live = new java.util.HashMap<>();
      vcpuInfoNow().forEach(v -> live.put(v.vcpu(), v.affinity()));
      Map<Integer, CpuSet> out = new LinkedHashMap<>();
      for (int i = 0; i < threads.maxVcpus(); i++) {
        CpuSet a = live.get(i);
        out.put(i, a != null ? a : tuning.vcpuPins().getOrDefault(i, qtune.hostFacts().onlineCpus()));
      }
      return out;
    });
  }

  /** virsh emulatorpin (query): the emulator group's CPUs (the main thread's affinity if unplaced). */
  public CompletableFuture<CpuSet> emulatorPin() {
    return op(() -> {
      if (domain != null) {
        Optional<ThreadCgroup> g = domain.findThread(ThreadGroupName.emulator());
        if (g.isPresent()) {
          // v2 leaves cpuset.cpus empty until someone pins ("the parent's"): virsh shows the CPUs
          // the emulator may run on, which cpuset.cpus.effective holds
          CpuSet cpus = g.get().cpus();
          return ThreadAffinity.get(pid).intersect(cpus.isEmpty() ? g.get().effectiveCpus() : cpus);
        }
      }
      return ThreadAffinity.get(pid);
    });
  }

  /** virsh iothreadinfo. */
  public CompletableFuture<List<IothreadInfo>> iothreadInfo() {
    return op(() -> refresh().iothreads().stream().map(this::info).toList());
  }

  private IothreadInfo info(IothreadThread io) {
    return new IothreadInfo(io.id(), io.tid(), ThreadAffinity.get(io.tid()), io.pollMaxNs(),
        io.pollGrow(), io.pollShrink());
  }

  /** virsh schedinfo: values read back from the kernel. */
  public CompletableFuture<SchedInfo> schedInfo() {
    return op(this::schedInfoNow);
  }

  private SchedInfo schedInfoNow() {
    DomainCgroup d = domain;
    if (d == null) {
      throw new InvalidInputException("VM '" + name + "' is not placed by qtune yet (no group "
          + layout.domainPath() + "); run 'apply' first");
    }
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

  /** Every thread of the VM with its role, group, affinity, last CPU and CPU time. */
  public CompletableFuture<List<ThreadPlacement>> placement() {
    return op(() -> {
      VmThreads t = refresh();
      Map<Integer, String> roles = new LinkedHashMap<>();
      t.vcpus().forEach(v -> {
        if (v.tid() > 0) {
          roles.put(v.tid(), "vcpu" + v.index());
        }
      });
      t.iothreads().forEach(i -> roles.put(i.tid(), "iothread" + i.id()));
      List<ThreadPlacement> out = new ArrayList<>();
      for (int tid : qtune.proc().tasks(pid)) {
        Optional<ThreadStat> st = qtune.proc().thread(pid, tid);
        if (st.isEmpty()) {
          continue;
        }
        ThreadStat s = st.get();
        out.add(new ThreadPlacement(tid, s.comm(), roles.getOrDefault(tid, "emulator"),
            qtune.threadGroupOf(pid, tid), s.cpusAllowed(), s.lastCpu(), s.cpuTimeNs(), s.state()));
      }
      return out;
    });
  }

  /** What differs between {@code spec} and the live placement; changes nothing. */
  public CompletableFuture<List<Drift>> diff(TuningSpec spec) {
    return op(() -> DriftCheck.diff(this, spec));
  }

  // ---------------------------------------------------------------- internals for DriftCheck

  Qtune qtune() {
    return qtune;
  }

  DomainCgroup domain() {
    return domain;
  }

  VmThreads refreshIothreads() {
    VmThreads t = qtune.discovery().refreshIothreads(qmp, threads);
    threads = t;
    return t;
  }

  /** After a rollback: QEMU's threads as they are now, if QEMU still answers. */
  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      LOG.debug("VM {}: cannot rediscover threads after a rollback: {}", name, e.toString());
    }
  }

  VmThreads refresh() {
    VmThreads t = qtune.discovery().discover(qmp, pid);
    threads = t;
    return t;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Stops watching this VM and closes the QMP connection. The VM keeps running and keeps its
   * groups; they are removed by {@link #destroy()}, when a supervised VM exits, or by gc.
   */
  @Override
  public void close() {
    closedByUs = true;
    qmp.close();
  }

  /**
   * Kills QEMU (SIGTERM, then SIGKILL after 3 s) and removes its groups. Only QEMU: a process that
   * took QEMU's pid after it exited is never signalled (pidfd and start time, see ProcessSignals).
   */
  public CompletableFuture<Void> destroy() {
    if (process != null) {
      // qtune's own child: the JDK signals it only while it is unreaped, so never a reused pid
      process.destroy();
      process.onExit().orTimeout(3, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> {
        process.destroyForcibly();
        return process;
      });
    } else if (io.qtune.host.proc.ProcessSignals.send(qtune.proc(), identity, io.qtune.host.proc.ProcessSignals.SIGTERM)) {
      CompletableFuture.runAsync(() -> {
        if (!awaitExit(Duration.ofSeconds(3))) {
          io.qtune.host.proc.ProcessSignals.send(qtune.proc(), identity, io.qtune.host.proc.ProcessSignals.SIGKILL);
        }
      }, qtune.workers());
    }
    return watchExit();
  }

  /**
   * Completes when QEMU is gone (its QMP connection closed and its pid reaped) and its groups
   * are removed.
   */
  CompletableFuture<Void> watchExit() {
    // QEMU's exit closes its QMP socket: EOF is the signal, so watching costs no thread per VM.
    // A child launched by qtune is watched through its Process instead.
    CompletableFuture<Boolean> exit = process != null ? process.onExit().thenApply(p -> true)
        : qmp.closeFuture().handle((r, e) -> null).thenApplyAsync(x -> !closedByUs && pidGone(), qtune.workers());
    exit.whenCompleteAsync((isGone, e) -> {
      if (e != null || !Boolean.TRUE.equals(isGone)) {
        return; // we closed the connection, or QEMU lives on: its groups stay (gc removes them later)
      }
      try {
        cleanup();
        gone.complete(null);
      } catch (RuntimeException ex) {
        gone.completeExceptionally(ex);
      }
    }, qtune.workers());
    return gone;
  }

  /** Waits briefly for the pid to die after EOF (the socket closes just before the exit). */
  private boolean pidGone() {
    if (awaitExit(Duration.ofSeconds(5))) {
      return true;
    }
    LOG.warn("QMP connection of VM {} closed but pid {} is still alive: its groups stay", name, pid);
    return false;
  }

  /** Whether QEMU (this process, not a later one at its pid) is gone within {@code timeout}. */
  private boolean awaitExit(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (qtune.proc().isCurrent(identity)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(10);
    }
    return true;
  }

  /** Removes the VM's groups (depth first) and its state record. */
  synchronized void cleanup() {
    closedByUs = true;
    groups.clear();
    qmp.close();
    try (var lock = qtune.state().lock()) {
      DomainCgroup d = domain;
      if (d != null) {
        d.remove();
        domain = null;
      }
      // only our own record: a later VM of the same name may have been recorded since
      qtune.state().find(name).filter(e -> e.pid() == pid).ifPresent(e -> qtune.state().forget(name));
    }
  }

  // ---------------------------------------------------------------- helpers

  private void ensurePlaced() {
    if (domain == null) {
      applyNow(tuning.spec());
    }
  }

  /**
   * A thread ID known from an earlier discovery is checked again right before it is touched: the
   * thread may have exited and its ID been reused by another process since.
   */
  private void requireOwn(int tid, String what) {
    if (!qtune.proc().isTaskOf(pid, tid)) {
      refresh(); // the next operation sees QEMU's current threads
      throw new ForeignThreadException(what, tid, pid);
    }
  }

  private CpuSet cpus(String text, String emptyMessage) {
    List<String> problems = new ArrayList<>();
    Optional<CpuSet> c = qtune.validator().cpus(problems, "cpulist", text, emptyMessage);
    if (!problems.isEmpty()) {
      throw new InvalidInputException(problems.stream()
          .map(p -> p.replace(" (cpulist)", "")).toList());
    }
    return c.orElseThrow();
  }

  private Optional<ThreadCgroup> group(ThreadGroupName name) {
    ThreadCgroup cached = groups.get(name);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<ThreadCgroup> g = domain.findThread(name);
    g.ifPresent(x -> groups.put(name, x));
    return g;
  }

  /**
   * The tuning after a pin, without validating the whole spec again: the pin itself was validated
   * before it was applied.
   */
  private static ResolvedTuning pinned(ResolvedTuning t, TuningSpec spec, int vcpu, CpuSet vcpuCpus,
      CpuSet emulator, int iothread, CpuSet iothreadCpus) {
    Map<Integer, CpuSet> vcpus = t.vcpuPins();
    if (vcpuCpus != null) {
      vcpus = new java.util.HashMap<>(vcpus);
      vcpus.put(vcpu, vcpuCpus);
      vcpus = Map.copyOf(vcpus);
    }
    Map<Integer, CpuSet> ios = t.iothreadPins();
    if (iothreadCpus != null) {
      ios = new java.util.HashMap<>(ios);
      ios.put(iothread, iothreadCpus);
      ios = Map.copyOf(ios);
    }
    return new ResolvedTuning(spec, vcpus, emulator != null ? Optional.of(emulator) : t.emulatorPin(),
        ios, t.vcpuSched(), t.iothreadSched(), t.emulatorSched(), t.mems(), t.numaMode());
  }

  private ResolvedTuning withSpec(TuningSpec s) {
    return qtune.validator().resolve(s, facts(threads));
  }

  private static TuningSpec withVcpuPin(TuningSpec s, int vcpu, CpuSet cpus) {
    return copy(s, b -> {
      List<TuningSpec.VcpuPin> l = new ArrayList<>(b.vcpupin.stream().filter(p -> p.vcpu() != vcpu).toList());
      l.add(new TuningSpec.VcpuPin(vcpu, cpus.toList()));
      b.vcpupin = l;
    });
  }

  private static TuningSpec withIothreadPin(TuningSpec s, int id, CpuSet cpus) {
    return copy(s, b -> {
      List<TuningSpec.IothreadPin> l = new ArrayList<>(b.iothreadpin.stream().filter(p -> p.iothread() != id).toList());
      l.add(new TuningSpec.IothreadPin(id, cpus.toList()));
      b.iothreadpin = l;
    });
  }

  private static TuningSpec copy(TuningSpec s, java.util.function.Consumer<SpecEdits.Builder> edit) {
    SpecEdits.Builder b = new SpecEdits.Builder(s);
    edit.accept(b);
    return b.build();
  }

  private <T> CompletableFuture<T> op(Supplier<T> body) {
    return ops.submit(body);
  }

  private OperationFailedException failure(String what, RuntimeException e, int rollbackFailures) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof InvalidInputException inv && rollbackFailures == 0) {
      throw inv;
    }
    String rb = rollbackFailures == 0 ? " (changes rolled back)"
        : " (" + rollbackFailures + " change(s) could not be rolled back; see the log)";
    return new OperationFailedException(what + ": " + cause.getMessage() + rb, cause);
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

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QtuneException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return "Vm[" + name + ", pid " + pid + ", " + layout.domainPath() + "]";
  }

}
