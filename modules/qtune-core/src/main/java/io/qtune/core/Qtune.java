package io.qtune.core;

import io.qtune.core.spec.HostFacts;
import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.SpecValidator;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.VmFacts;
import io.qtune.host.cgroup.CgroupBackend;
import io.qtune.host.cgroup.CgroupHost;
import io.qtune.host.cgroup.CgroupLayout;
import io.qtune.host.cgroup.CgroupVersion;
import io.qtune.host.cgroup.CpuCgroup;
import io.qtune.host.cgroup.CpuTunables;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.MachineName;
import io.qtune.host.proc.ProcFs;
import io.qtune.host.topology.HostTopology;
import io.qtune.qmp.QmpClient;
import io.qtune.qmp.QmpEventLoop;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * qtune's entry point: attaches to or launches QEMU VMs and places their threads like libvirt.
 * One instance serves any number of VMs on one shared QMP event loop; thread-safe.
 *
 * <pre>{@code
 * try (Qtune qtune = Qtune.create()) {
 *   Vm vm = qtune.attach(Path.of("/run/vm1.qmp"), SpecReader.read(Path.of("vm1.json"))).join();
 *   vm.pins().vcpu(0, "2-3").join();
 * }
 * }</pre>
 */
public final class Qtune implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Qtune.class);

  private final QtuneOptions options;
  private final QmpEventLoop loop;
  private final CgroupHost cgroups;
  private final CgroupBackend backend;
  private final ProcFs proc;
  private final HostTopology topology;
  private final HostFacts hostFacts;
  private final SpecValidator validator;
  private final Placer placer;
  private final Discovery discovery;
  private final StateDir state;
  private final ExecutorService workers;
  private final Set<Vm> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /**
   * Test seam: runs on the placing thread right after a placement created a VM's domain group and
   * moved QEMU into it, before any thread group exists (SafetyTest kills QEMU there).
   */
  volatile Runnable afterDomainCreated = () -> {};

  private Qtune(QtuneOptions options) {
    this.options = options;
    this.proc = new ProcFs(options.hostRoot());
    this.topology = HostTopology.read(options.hostRoot());
    this.cgroups = CgroupHost.detect(options.hostRoot());
    this.backend = cgroups.backend();
    Set<Integer> nodes = new HashSet<>();
    topology.nodes().forEach(n -> nodes.add(n.id()));
    if (nodes.isEmpty()) {
      nodes.add(0);
    }
    this.hostFacts = new HostFacts(topology.online(), topology.maxCpus(), Set.copyOf(nodes), cgroupV2());
    this.validator = new SpecValidator(hostFacts);
    this.placer = new Placer(backend, topology.online(), proc);
    this.discovery = new Discovery(proc);
    this.state = new StateDir(options.stateDir());
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "qtune-op-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.loop = QmpEventLoop.create(options.eventLoopThreads());
  }

  public static Qtune create() {
    return create(QtuneOptions.defaults());
  }

  public static Qtune create(QtuneOptions options) {
    return new Qtune(options);
  }

  // ---------------------------------------------------------------- entry points

  /**
   * Attaches to a running QEMU: connects, takes its PID from the socket's peer credentials,
   * discovers its threads, validates {@code spec} against it, creates the spec's missing iothreads
   * and places every thread. A VM placed before (by qtune or with libvirt's names) is found by its
   * PID and converged without duplicates.
   */
  public CompletableFuture<Vm> attach(Path qmpSocket, TuningSpec spec) {
    return QmpClient.connect(loop, qmpSocket, options.qmp()).thenApplyAsync(qmp -> {
      try {
        Vm vm = adopt(qmp, spec, null);
        vm.applyNow(spec, vm.threads());
        vm.watchExit();
        return vm;
      } catch (RuntimeException e) {
        qmp.close();
        throw e;
      }
    }, workers);
  }

  /**
   * Opens a running QEMU without placing anything: for queries, and for live operations, which
   * place the VM first (with an empty spec) if qtune never placed it. A VM placed before starts
   * from its live tuning, read back from the kernel ({@link Vm#spec()}); nothing is written.
   */
  public CompletableFuture<Vm> open(Path qmpSocket) {
    return QmpClient.connect(loop, qmpSocket, options.qmp()).thenApplyAsync(qmp -> {
      try {
        return adopt(qmp, null, null);
      } catch (RuntimeException e) {
        qmp.close();
        throw e;
      }
    }, workers);
  }

  /**
   * Opens a running QEMU as {@link #open(Path)} does (placed before: its live tuning is read back,
   * nothing is written) and supervises it: when QEMU exits, its groups and record are removed and
   * {@link Vm#exited()} completes. For a long-lived caller (the daemon) re-adopting recorded VMs.
   */
  public CompletableFuture<Vm> supervise(Path qmpSocket) {
    return open(qmpSocket).thenApply(vm -> {
      vm.watchExit();
      return vm;
    });
  }

  /** Opens a VM recorded in the state directory by name. */
  public CompletableFuture<Vm> open(String name) {
    StateDir.Entry e = state.find(name).orElseThrow(() -> new InvalidInputException(
        "no VM named '" + name + "' in " + state.dir() + " (known: "
            + String.join(", ", state.all().stream().map(StateDir.Entry::name).toList()) + ")"));
    return open(Path.of(e.qmpSocket()));
  }

  /**
   * Launches QEMU paused with a QMP socket qtune creates; the process is in its emulator group with
   * the emulator affinity before it executes QEMU, so no QEMU thread ever runs outside its group.
   * Then places vCPUs and iothreads, creates the spec's missing iothreads, and continues the VM
   * unless {@code options.stayPaused()}. When QEMU exits, its groups are removed.
   */
  public CompletableFuture<Vm> launch(TuningSpec spec, List<String> qemuArgs, LaunchOptions launch) {
    return CompletableFuture.supplyAsync(() -> new Launch(this, spec, qemuArgs, launch).run(), workers);
  }

  /**
   * Removes the domain groups, records and QEMU sockets ({@link StateDir#removeLeftovers}) of VMs
   * qtune recorded whose QEMU is gone (its pid dead, or reused by another process: the start time
   * differs); returns the group paths removed. A group qtune has no record of (libvirt's, one
   * another qtune process is creating) is never touched, nor a group that still holds a process.
   */
  public List<String> gc() {
    List<String> removed = new ArrayList<>();
    if (!java.nio.file.Files.isDirectory(state.dir())) {
      return removed;
    }
    try (var lock = state.lock()) {
      for (StateDir.Entry e : state.all()) {
        if (isCurrent(e)) {
          continue;
        }
        Optional<DomainCgroup> d = openDomainAt(e.domainPath());
        if (d.isPresent() && !d.get().isEmpty()) {
          LOG.warn("gc: VM {} (pid {}) is gone but {} still holds processes: left alone", e.name(), e.pid(),
              e.domainPath());
          continue;
        }
        d.ifPresent(g -> {
          g.release(new io.qtune.host.proc.ProcessIdentity(e.pid(), e.startTime()));
          removed.add(e.domainPath());
        });
        // a QEMU killed with its launcher leaves its sockets: QEMU unlinks them on a clean exit only
        for (java.nio.file.Path f : state.removeLeftovers(e.name())) {
          LOG.info("gc: VM {} (pid {}) is gone: removed {}", e.name(), e.pid(), f);
        }
        state.forget(e.name());
      }
      for (java.nio.file.Path f : state.removeOrphanTemps()) {
        LOG.info("gc: removed {}, a record write that was killed before it was renamed", f);
      }
    }
    return removed;
  }

  /**
   * The live ledger: the CPUs VMs under this partition hold through pinned vcpuN and emulator
   * groups (qtune's and libvirt's), read from the kernel now. See {@link DedicatedCpus}.
   */
  public io.qtune.host.cpu.CpuSet dedicatedCpus() {
    return dedicatedCpusExcept(null);
  }

  /** The live ledger without the VM whose domain group is {@code domainPath}: for re-planning it. */
  public io.qtune.host.cpu.CpuSet dedicatedCpusExcept(String domainPath) {
    return new DedicatedCpus(backend, template(), this::machineOf, topology.online()).read(domainPath);
  }

  /** Whether the process a record names still runs (the same process, not a later one at its pid). */
  boolean isCurrent(StateDir.Entry e) {
    if (e.startTime() == 0) {
      return proc.isAlive(e.pid()); // a record without a start time: the pid is all there is
    }
    return proc.isCurrent(new io.qtune.host.proc.ProcessIdentity(e.pid(), e.startTime()));
  }

  /** Refuses a name whose record names another process that still runs. */
  void requireNameFree(String name, int pid) {
    state.find(name).filter(e -> e.pid() != pid && isCurrent(e)).ifPresent(e -> {
      throw new InvalidInputException("a VM named '" + name + "' is running, pid " + e.pid()
          + " (recorded in " + state.dir() + "); choose another name");
    });
  }

  @Override
  public void close() {
    synchronized (this) {
      if (timer != null) {
        timer.shutdownNow();
      }
    }
    loop.close();
    workers.shutdownNow();
    try {
      workers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- shared parts

  /**
   * The domain group a record of this very QEMU (same pid and start time) names: a qtune killed
   * between writing the record and moving QEMU into the group left it, maybe half made; a new
   * machine id would leave that one behind as a stray.
   */
  private Optional<CgroupLayout> recordedLayout(String name, io.qtune.host.proc.ProcessIdentity identity) {
    return state.find(name)
        .filter(e -> e.pid() == identity.pid() && e.startTime() == identity.startTime() && e.domainPath() != null)
        .flatMap(e -> machineOf(java.nio.file.Path.of(e.domainPath()).getFileName().toString())
            .map(this::layout).filter(l -> l.domainPath().equals(e.domainPath())));
  }

  /** Builds the Vm for a connected QMP client: identity, layout, existing groups, threads. */
  Vm adopt(QmpClient qmp, TuningSpec spec, Process process) {
    int pid = qmp.peerCredentials().pid();
    io.qtune.host.proc.ProcessIdentity identity = pid <= 0 ? null : proc.identity(pid).orElse(null);
    if (identity == null) {
      throw new OperationFailedException("the QMP peer on " + qmp.socketPath() + " has no live process (pid " + pid + ")");
    }
    if (process != null && process.pid() != pid) {
      throw new OperationFailedException("the QMP socket " + qmp.socketPath() + " is served by pid " + pid
          + ", not by the QEMU qtune launched (pid " + process.pid() + ")");
    }
    Optional<CgroupLayout> existing = existingLayout(pid);
    // the name reaches file names and the machine name: checked here, once, for every origin
    String name = spec != null && spec.name() != null ? VmName.require(spec.name(), "the spec")
        : existing.map(l -> VmName.require(vmName(l.machine()), "its cgroup " + l.domainPath()))
            .orElseGet(() -> VmName.require(queryName(qmp, pid), "QEMU's -name (pid " + pid + ")"));
    VmThreads threads = discovery.discover(qmp, pid);
    CgroupLayout layout = existing.or(() -> recordedLayout(name, identity)).orElseGet(() -> newLayout(name));
    // a domain group a killed qtune left half made is made again (the mkdirs that exist are kept);
    // so is one only the record names: QEMU never got into it, and a qtune killed between its
    // mkdirs and its first writes left it without CPUs (v1 cpuset starts empty) or memory_migrate
    DomainCgroup domain = existing.isEmpty() ? null : backend.open(layout).filter(DomainCgroup::whole).orElse(null);
    TuningSpec base = spec != null ? spec : TuningSpec.named(name);
    ResolvedTuning tuning;
    if (spec != null) {
      tuning = validator.resolve(base, new VmFacts(threads.maxVcpus(), iothreadIds(threads, spec)));
    } else if (domain != null) {
      // placed before (a one-shot command, a restarted manager): start from what the kernel holds
      tuning = LiveTuning.read(this, name, domain, threads);
    } else {
      tuning = validator.resolve(base, null);
    }
    Vm vm = new Vm(this, qmp, identity, name, layout, domain, threads, tuning, process);
    open.add(vm);
    qmp.closeFuture().whenComplete((r, e) -> open.remove(vm)); // closed by us, by QEMU, or on failure
    return vm;
  }

  /**
   * The VMs this instance holds a QMP connection to now (attached, launched or opened), in no
   * order: a read-only view for metrics; a VM leaves it when its connection closes.
   */
  public List<Vm> vms() {
    return List.copyOf(open);
  }

  private static Set<Integer> iothreadIds(VmThreads t, TuningSpec spec) {
    Set<Integer> ids = new HashSet<>();
    t.iothreads().forEach(i -> ids.add(i.id()));
    spec.iothreads().forEach(i -> ids.add(i.id()));
    return ids;
  }

  private String queryName(QmpClient qmp, int pid) {
    try {
      String n = qmp.execute("query-name", Map.of()).join().path("name").asText("");
      if (!n.isEmpty()) {
        return n;
      }
    } catch (CompletionException e) {
      LOG.debug("query-name failed: {}", e.getCause().toString());
    }
    return "pid" + pid;
  }

  private static final Pattern MACHINE_ID = Pattern.compile("qemu-(\\d+)-.*");

  /**
   * Re-adoption, as libvirt's reconnect: the domain group that already holds this pid (found from
   * /proc, never from what QEMU says), if it is under this instance's partition.
   */
  private Optional<CgroupLayout> existingLayout(int pid) {
    String path = threadGroupOf(pid, pid);
    if (path == null) {
      return Optional.empty();
    }
    for (String part : path.split("/")) {
      Optional<MachineName> machine = machineOf(part);
      if (machine.isPresent()) {
        CgroupLayout candidate = template().withMachine(machine.get());
        if (path.equals(candidate.domainPath()) || path.startsWith(candidate.domainPath() + "/")) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** The VM name inside a machine name {@code qemu-<id>-<name>}. */
  private static String vmName(MachineName machine) {
    Matcher m = Pattern.compile("qemu-\\d+-(.*)").matcher(machine.value());
    return m.matches() ? m.group(1) : machine.value();
  }

  /** A new machine id: one above the highest in use under the partition, as libvirt counts. */
  CgroupLayout newLayoutFor(String name) {
    return newLayout(name);
  }

  private CgroupLayout newLayout(String name) {
    int max = 0;
    for (String dir : backend.partitionChildren(template())) {
      Optional<Matcher> m = machineOf(dir).map(n -> MACHINE_ID.matcher(n.value())).filter(Matcher::matches);
      if (m.isPresent()) {
        max = Math.max(max, Integer.parseInt(m.get().group(1)));
      }
    }
    return layout(MachineName.of(max + 1, name));
  }

  private static final Pattern SCOPE = Pattern.compile("machine-(qemu\\\\x2d\\d+\\\\x2d.*)\\.scope");

  /**
   * The machine name behind a domain directory: {@code qemu-1-vm.libvirt-qemu} without systemd,
   * {@code machine-qemu\x2d1\x2dvm.scope} with it.
   */
  Optional<MachineName> machineOf(String dir) {
    String suffix = "." + options.suffix();
    if (dir.endsWith(suffix) && MACHINE_ID.matcher(dir).matches()) {
      return Optional.of(new MachineName(dir.substring(0, dir.length() - suffix.length())));
    }
    Matcher m = SCOPE.matcher(dir);
    if (m.matches()) {
      return Optional.of(new MachineName(unescapeSystemd(m.group(1))));
    }
    return Optional.empty();
  }

  private static String unescapeSystemd(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      if (s.startsWith("\\x", i) && i + 4 <= s.length()) {
        out.append((char) Integer.parseInt(s.substring(i + 2, i + 4), 16));
        i += 3;
      } else {
        out.append(s.charAt(i));
      }
    }
    return out.toString();
  }

  /** The layout of this instance's partition, for listing its domain groups. */
  private CgroupLayout template() {
    return layout(new MachineName("qemu-0-template"));
  }

  private Optional<DomainCgroup> openDomainAt(String domainPath) {
    for (String part : domainPath.split("/")) {
      Optional<MachineName> m = machineOf(part);
      if (m.isPresent()) {
        return backend.open(template().withMachine(m.get()));
      }
    }
    return Optional.empty();
  }

  private CgroupLayout layout(MachineName machine) {
    return CgroupLayout.forHost(machine, cgroups).withPartition(options.partition())
        .withSuffix(options.suffix());
  }

  /** The cgroup a thread is in (cpuset hierarchy on v1, unified on v2), or null if unknown. */
  String threadGroupOf(int pid, int tid) {
    Map<String, String> groups;
    try {
      groups = proc.threadCgroups(pid, tid);
    } catch (RuntimeException e) {
      if (proc.isTaskOf(pid, tid)) {
        // the thread lives: not knowing its group would make re-adoption create a second
        // domain group for a placed VM, so the error is the caller's, not "no group"
        throw new OperationFailedException("cannot read the cgroup of thread " + tid + " of pid " + pid
            + ": " + e.getMessage(), e);
      }
      return null;
    }
    return groupIn(groups);
  }

  /** The group in a {@code /proc/.../cgroup} map: the cpuset hierarchy's on v1, the unified one on v2. */
  String groupIn(Map<String, String> groups) {
    if (cgroupV2()) {
      return groups.get("");
    }
    for (Map.Entry<String, String> e : groups.entrySet()) {
      if (List.of(e.getKey().split(",")).contains("cpuset")) {
        return e.getValue();
      }
    }
    return null;
  }

  /**
   * Whether a {@code /proc/.../cgroup} map puts the thread in {@code path} in every hierarchy qtune
   * places threads in: on v1 each of the backend's (cpu and cpuset, cpuacct where it has groups: a thread can be in a vCPU's cpu group
   * and the emulator's cpuset), on v2 the unified one.
   */
  boolean inGroup(Map<String, String> groups, String path) {
    if (cgroupV2()) {
      return path.equals(groups.get(""));
    }
    boolean any = false;
    for (Map.Entry<String, String> e : groups.entrySet()) {
      for (String c : e.getKey().split(",")) {
        // only the hierarchies qtune makes groups in: beside a cgroup2 mount there is no cpuacct group
        if (backend.controllers().contains(c)) {
          if (!path.equals(e.getValue())) {
            return false;
          }
          any = true;
          break;
        }
      }
    }
    return any;
  }

  long sharesToNative(long shares) {
    return cgroupV2() ? CpuTunables.sharesToWeight(shares) : shares;
  }

  long defaultWeight() {
    return cgroupV2() ? 100 : 1024;
  }

  /** The relative weight of a group in its own units: cpu.weight on v2, cpu.shares on v1. */
  long weightOf(CpuCgroup g) {
    return cgroupV2() ? g.weight() : g.shares();
  }

  void setWeight(CpuCgroup g, long value) {
    if (cgroupV2()) {
      g.setWeight(value);
    } else {
      g.setShares(value);
    }
  }

  String weightFile() {
    return cgroupV2() ? "cpu.weight" : "cpu.shares";
  }

  boolean cgroupV2() {
    return backend.version() == CgroupVersion.V2;
  }

  QtuneOptions options() {
    return options;
  }

  QmpEventLoop loop() {
    return loop;
  }

  CgroupBackend backend() {
    return backend;
  }

  public ProcFs proc() {
    return proc;
  }

  public HostTopology topology() {
    return topology;
  }

  public CgroupHost cgroups() {
    return cgroups;
  }

  /** This host's CPUs, NUMA nodes and cgroup flavour, as specs are validated against them. */
  public HostFacts hostFacts() {
    return hostFacts;
  }

  SpecValidator validator() {
    return validator;
  }

  Placer placer() {
    return placer;
  }

  Discovery discovery() {
    return discovery;
  }

  public StateDir state() {
    return state;
  }

  ExecutorService workers() {
    return workers;
  }

  private java.util.concurrent.ScheduledExecutorService timer;

  /** One daemon thread for periodic reconciles, started by the first VM that needs it. */
  synchronized java.util.concurrent.ScheduledExecutorService timer() {
    if (timer == null) {
      timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "qtune-reconcile");
        t.setDaemon(true);
        return t;
      });
    }
    return timer;
  }

}
