package io.qtune.core;

import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.spec.VmFacts;
import io.qtune.host.cgroup.CgroupLayout;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.proc.ThreadStat;
import io.qtune.qmp.QmpClient;
import io.qtune.qmp.model.IothreadProperties;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One QEMU VM under qtune's control: its QMP connection, its cgroups and its threads. Every
 * operation is validated before the first write and rolled back if a write fails midway;
 * operations on one VM run one at a time.
 *
 * <p>The VM's identity, whole-spec placement ({@link #apply}, {@link #placement}, {@link #diff})
 * and lifecycle live here; live operations are grouped by concern: {@link #pins()},
 * {@link #iothreads()}, {@link #disks()}, {@link #scheduler()}, {@link #vcpus()}.
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
  private final VmPins pins = new VmPins(this);
  private final VmIothreads iothreads = new VmIothreads(this);
  private final VmDisks disks = new VmDisks(this);
  private final VmScheduler scheduler = new VmScheduler(this);
  private final VmVcpus vcpus = new VmVcpus(this);
  private final Reconciler reconciler = new Reconciler(this);
  /** The periodic reconcile, while one is scheduled. */
  private volatile java.util.concurrent.ScheduledFuture<?> periodic;

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

  /** The domain group, if placed: read-only use (metrics read its cpu.stat and its thread groups'). */
  public Optional<DomainCgroup> domainGroup() {
    return Optional.ofNullable(domain);
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

  /** CPU pins of vCPUs, the emulator and iothreads (virsh vcpupin, emulatorpin, iothreadpin). */
  public VmPins pins() {
    return pins;
  }

  /** Iothreads: add, delete, info. */
  public VmIothreads iothreads() {
    return iothreads;
  }

  /** Disks served by iothreads: attach, detach. */
  public VmDisks disks() {
    return disks;
  }

  /** CPU bandwidth and weight per level (schedinfo), vCPU scheduling policy. */
  public VmScheduler scheduler() {
    return scheduler;
  }

  /** vCPU count (hotplug) and where each vCPU runs. */
  public VmVcpus vcpus() {
    return vcpus;
  }

  /** Completes once QEMU has exited and its groups are removed. */
  public CompletableFuture<Void> exited() {
    return gone;
  }

  // ---------------------------------------------------------------- placement

  /** Converges the VM to {@code spec}: creates missing iothreads, (re)places every thread. */
  public CompletableFuture<Vm> apply(TuningSpec spec) {
    return change(() -> {
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

  VmFacts facts(VmThreads t) {
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

  // ---------------------------------------------------------------- queries

  /**
   * Every thread of the VM with its role, group, affinity, last CPU and CPU time, beside its role's
   * group and affinity; a thread elsewhere is marked stray.
   */
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
      List<Integer> tasks = qtune.proc().tasks(pid);
      Map<Integer, Reconciler.Seen> seen = new java.util.HashMap<>();
      reconciler.read(t, tasks).forEach(s -> seen.put(s.tid(), s));
      List<ThreadPlacement> out = new ArrayList<>();
      for (int tid : tasks) {
        Optional<ThreadStat> st = qtune.proc().thread(pid, tid);
        if (st.isEmpty()) {
          continue;
        }
        ThreadStat s = st.get();
        Reconciler.Seen where = seen.get(tid);
        out.add(new ThreadPlacement(tid, s.comm(), roles.getOrDefault(tid, "emulator"),
            where != null ? where.group() : qtune.threadGroupOf(pid, tid), s.cpusAllowed(), s.lastCpu(),
            s.cpuTimeNs(), s.state(), where == null ? null : where.want().path(),
            where == null ? null : where.want().affinity(), where != null && where.stray()));
      }
      return out;
    });
  }

  /**
   * Moves every thread that is not where its role says (its group and affinity) back there; a
   * thread that is neither a vCPU nor an iothread belongs to {@code emulator}. One batched pass that
   * reads before it writes and writes only what differs; every live operation ends with one.
   * Returns what moved (nothing while qtune has not placed the VM).
   */
  public CompletableFuture<List<ThreadMove>> reconcile() {
    return op(reconciler::run);
  }

  /**
   * Reconciles this VM every {@code interval} (zero: never) until it exits or is closed; replaces an
   * earlier schedule. A VM qtune supervises (launched or attached) gets the instance's
   * {@link QtuneOptions#reconcileInterval()}; a manager that {@link Qtune#open}s a VM calls this.
   */
  public void reconcileEvery(Duration interval) {
    java.util.concurrent.ScheduledFuture<?> old = periodic;
    if (old != null) {
      old.cancel(false);
    }
    periodic = null;
    if (interval.isZero() || interval.isNegative() || closedByUs || gone.isDone()) {
      return;
    }
    long ms = Math.max(1, interval.toMillis());
    periodic = qtune.timer().scheduleWithFixedDelay(() -> {
      if (closedByUs || gone.isDone()) {
        return;
      }
      try {
        reconcile().join(); // runs here when the VM is idle, else waits its turn
      } catch (RuntimeException e) {
        LOG.warn("VM {}: periodic reconcile failed: {}", name, e.getMessage());
      }
    }, ms, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
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

  /** {@link #refreshIothreads()} from a {@code query-iothreads} the caller sent (pipelined). */
  VmThreads refreshIothreads(CompletableFuture<List<io.qtune.qmp.model.IothreadInfo>> query) {
    VmThreads t = qtune.discovery().refreshIothreads(query.join(), threads);
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
    stopReconciling();
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
    reconcileEvery(qtune.options().reconcileInterval());
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

  private void stopReconciling() {
    java.util.concurrent.ScheduledFuture<?> p = periodic;
    if (p != null) {
      p.cancel(false);
    }
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
    stopReconciling();
    groups.clear();
    qmp.close();
    try (var lock = qtune.state().lock()) {
      DomainCgroup d = domain;
      if (d != null) {
        d.release(identity);
        domain = null;
      }
      // only our own record: a later VM of the same name may have been recorded since
      qtune.state().find(name).filter(e -> e.pid() == pid).ifPresent(e -> qtune.state().forget(name));
    }
  }

  // ---------------------------------------------------------------- shared by the concern objects

  /** Runs {@code body} on this VM's operation queue: one operation at a time. */
  <T> CompletableFuture<T> op(Supplier<T> body) {
    return ops.submit(body);
  }

  /**
   * A changing operation: {@link #op}, ending with a reconcile so threads spawned meanwhile go where
   * their role says. The operation's own result stands if that pass fails; it is logged.
   */
  <T> CompletableFuture<T> change(Supplier<T> body) {
    return ops.submit(() -> {
      T out = body.get();
      try {
        reconciler.run(false); // a task listing; reads only when a thread was born since
      } catch (RuntimeException e) {
        LOG.warn("VM {}: reconcile after the operation failed: {}", name, e.getMessage());
      }
      return out;
    });
  }

  ResolvedTuning tuning() {
    return tuning;
  }

  /** After a live operation: the tuning it left in force. */
  void tuning(ResolvedTuning r) {
    tuning = r;
  }

  void ensurePlaced() {
    if (domain == null) {
      applyNow(tuning.spec());
    }
  }

  /**
   * A thread ID known from an earlier discovery is checked again right before it is touched: the
   * thread may have exited and its ID been reused by another process since.
   */
  void requireOwn(int tid, String what) {
    if (!qtune.proc().isTaskOf(pid, tid)) {
      refresh(); // the next operation sees QEMU's current threads
      throw new ForeignThreadException(what, tid, pid);
    }
  }

  CpuSet cpus(String text, String emptyMessage) {
    List<String> problems = new ArrayList<>();
    Optional<CpuSet> c = qtune.validator().cpus(problems, "cpulist", text, emptyMessage);
    if (!problems.isEmpty()) {
      throw new InvalidInputException(problems.stream()
          .map(p -> p.replace(" (cpulist)", "")).toList());
    }
    return c.orElseThrow();
  }

  /** A thread group of this VM, looked up once (each lookup is a stat per hierarchy). */
  Optional<ThreadCgroup> group(ThreadGroupName name) {
    ThreadCgroup cached = groups.get(name);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<ThreadCgroup> g = domain.findThread(name);
    g.ifPresent(x -> groups.put(name, x));
    return g;
  }

  /** The group may be gone or replaced: the next {@link #group} looks it up again. */
  void forgetGroup(ThreadGroupName name) {
    groups.remove(name);
  }

  ResolvedTuning withSpec(TuningSpec s) {
    return qtune.validator().resolve(s, facts(threads));
  }

  OperationFailedException failure(String what, RuntimeException e, int rollbackFailures) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof InvalidInputException inv && rollbackFailures == 0) {
      throw inv;
    }
    String rb = rollbackFailures == 0 ? " (changes rolled back)"
        : " (" + rollbackFailures + " change(s) could not be rolled back; see the log)";
    return new OperationFailedException(what + ": " + cause.getMessage() + rb, cause);
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
