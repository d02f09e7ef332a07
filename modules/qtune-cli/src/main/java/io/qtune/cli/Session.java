package io.qtune.cli;

import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.core.StateDir;
import io.qtune.core.Vm;
import io.qtune.host.topology.HostTopology;
import io.qtune.qmp.QmpOptions;
import io.qtune.qmp.QmpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One invocation's (or one shell's) connection: the control plane and the VM, each made on first
 * use, so that host-only commands never start the QMP event loop.
 */
final class Session implements AutoCloseable {

  /**
   * How the VM is named and where qtune keeps its state.
   *
   * @param qmp the VM's QMP socket, or null
   * @param name the VM's recorded name, or null
   */
  record Target(Path qmp, String name, Path stateDir, String partition) {
    Target {
      if (partition != null && !partition.startsWith("/")) {
        throw new BadInputException("--partition must be an absolute cgroup path such as /machine, got '"
            + partition + "'");
      }
    }
  }

  /** How long an abandoned operation may take to fail and roll back once its connection is closed. */
  private static final long ROLLBACK_GRACE_SECONDS = 10;

  /**
   * Whether and where to reach {@code qtune daemon}: {@code direct} never; otherwise its socket,
   * {@code explicit} when the user named it (--socket, QTUNE_SOCKET): then it must answer.
   */
  record DaemonRoute(boolean direct, Path socket, boolean explicit) {
    static final Path DEFAULT_SOCKET = Path.of("/run/qtune/qtune.sock");

    static DaemonRoute of(boolean direct, Path socket) {
      if (socket != null) {
        return new DaemonRoute(direct, socket, true);
      }
      String env = System.getenv("QTUNE_SOCKET");
      if (env != null && !env.isEmpty()) {
        return new DaemonRoute(direct, Path.of(env), true);
      }
      return new DaemonRoute(direct, DEFAULT_SOCKET, false);
    }
  }

  private final Target target;
  private DaemonRoute route;
  private VmAccess access;
  private DaemonClient daemon;
  private Qtune qtune;
  private Vm vm;
  private HostTopology topology;
  /** The running command's deadline (--timeout): one for all of its QMP exchanges together. */
  private int timeoutSeconds = 30;
  private long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
  private Path socketInUse;
  /** How much earlier than the command's deadline QMP's connect timer ends (see {@link #qtune}). */
  private static final Duration CONNECT_MARGIN = Duration.ofMillis(500);

  Session(Target target) {
    this.target = target;
  }

  Target target() {
    return target;
  }

  /** Lets {@link #access} go through the daemon as {@code route} says (the default: never). */
  Session routing(DaemonRoute route) {
    this.route = route;
    return this;
  }

  /**
   * The VM for the verbs that the daemon serves too: through {@code qtune daemon} when it
   * answers on its socket, keeps its records in this --state-dir and supervises the VM named by
   * --name or --qmp; otherwise the library in this process. Decided once per session.
   */
  synchronized VmAccess access() {
    if (access == null) {
      access = viaDaemon();
      if (access == null) {
        access = new DirectVm(this);
      }
    }
    return access;
  }

  private VmAccess viaDaemon() {
    if (route == null || route.direct() || (target.qmp() == null && target.name() == null)) {
      return null;
    }
    if (!route.explicit() && !Files.exists(route.socket())) {
      return null; // no daemon on this host: no connect attempt
    }
    DaemonClient c;
    try {
      c = DaemonClient.connect(route.socket(), remaining());
    } catch (DaemonUnavailableException e) {
      if (route.explicit()) {
        throw e;
      }
      return null;
    }
    try {
      c.deadline(remaining(), timeoutSeconds);
      String name = supervisedName(c);
      if (name == null) {
        c.close();
        return null;
      }
      daemon = c;
      return new DaemonVm(c, name, this);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** The daemon's name of the VM this session names, or null if the daemon does not serve it here. */
  private String supervisedName(DaemonClient c) {
    Map<String, Object> d = DaemonVm.answer(c, "GET", "/v1/daemon");
    Object dir = d.get("state_dir");
    if (!(dir instanceof String s) || !Path.of(s).toAbsolutePath().normalize()
        .equals(target.stateDir().toAbsolutePath().normalize())) {
      return null; // another state directory: not the VMs this command means
    }
    Object vms = DaemonVm.answer(c, "GET", "/v1/vms").get("vms");
    if (!(vms instanceof List<?> list)) {
      throw new DaemonProtocolException(c.socket(), "GET /v1/vms: 'vms' is not a list");
    }
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> vm) || !(vm.get("name") instanceof String n)) {
        continue;
      }
      if (target.name() != null ? n.equals(target.name())
          : vm.get("qmp_socket") instanceof String q && sameSocket(Path.of(q), target.qmp())) {
        return n;
      }
    }
    return null;
  }

  private static boolean sameSocket(Path a, Path b) {
    if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
      return true;
    }
    try {
      return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** The running command's deadline for a daemon exchange, and --timeout for its message. */
  synchronized void armDaemonDeadline(DaemonClient c) {
    c.deadline(remaining(), timeoutSeconds);
  }

  /**
   * Starts a command's deadline: every {@link #await} of the command shares it (a one-shot command,
   * or one line of the shell).
   */
  synchronized void startDeadline(int seconds) {
    if (seconds < 1) {
      throw new BadInputException("--timeout must be at least 1 second, got " + seconds);
    }
    timeoutSeconds = seconds;
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
  }

  /** Moves the running command's deadline later (launch: QEMU's start-up has its own bound). */
  synchronized void extendDeadline(Duration more) {
    deadline += more.toNanos();
  }

  /** What is left of the deadline (at least 1 ms: QMP timeouts must be positive). */
  synchronized Duration remaining() {
    return Duration.ofNanos(Math.max(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(1)));
  }

  /** The control plane (topology, cgroups, the QMP event loop). */
  synchronized Qtune qtune() {
    if (qtune == null) {
      // QMP's own timeouts no longer than the command's: a stalled peer is cut off at the deadline
      // (QMP's defaults, 30 s per exchange, made one stall cost 30 s per exchange)
      Duration left = remaining();
      // the connect timer starts at the connect, after this start-up: it ends a little before the
      // command's deadline, so that its own error (no greeting: the monitor is someone else's) is
      // the one the deadline reports
      Duration connect = left.compareTo(CONNECT_MARGIN.multipliedBy(2)) > 0 ? left.minus(CONNECT_MARGIN)
          : left.dividedBy(2);
      QtuneOptions o = QtuneOptions.defaults().withStateDir(target.stateDir())
          .withPartition(target.partition())
          .withQmp(QmpOptions.defaults().withConnectTimeout(connect).withCommandTimeout(left));
      qtune = Qtune.create(o);
    }
    return qtune;
  }

  /** The host's CPUs, without starting the control plane unless it already runs. */
  synchronized HostTopology topology() {
    if (qtune != null) {
      return qtune.topology();
    }
    if (topology == null) {
      topology = HostTopology.read(Path.of("/"));
    }
    return topology;
  }

  /** The VM named by {@code --qmp} or {@code --name}, opened (not placed) on first use. */
  synchronized Vm vm() {
    if (vm == null) {
      CompletableFuture<Vm> opening = open();
      try {
        vm = await(opening);
      } catch (DeadlineException e) {
        // a VM that opens after all is nobody's: close it, or it holds QEMU's only QMP client slot
        opening.thenAccept(Vm::close);
        throw e;
      }
    }
    return vm;
  }

  private CompletableFuture<Vm> open() {
    if (target.qmp() == null && target.name() == null) {
      throw new BadInputException("name the VM with --qmp SOCKET or --name NAME");
    }
    Path socket = socket();
    return qtune().open(socket);
  }

  /**
   * The extra QMP socket {@code launch} gives QEMU for other qtune commands (the supervisor holds
   * the main one, and QMP serves one client per socket).
   */
  static Path operatorSocket(Path stateDir, String name) {
    return new io.qtune.core.StateDir(stateDir).file(name, io.qtune.core.StateDir.CLI_QMP);
  }

  /** The QMP socket of the VM, from {@code --qmp} or the state record of {@code --name}. */
  synchronized Path socket() {
    if (target.qmp() != null) {
      return existingSocket();
    }
    if (target.name() != null) {
      StateDir state = new StateDir(target.stateDir());
      StateDir.Entry e = state.find(target.name()).orElseThrow(() -> new BadInputException(
          "no VM named '" + target.name() + "' in " + target.stateDir() + known(state)));
      Path operator = operatorSocket(target.stateDir(), target.name());
      socketInUse = Files.exists(operator) ? operator : Path.of(e.qmpSocket());
      return socketInUse;
    }
    throw new BadInputException("name the VM with --qmp SOCKET or --name NAME");
  }

  private static String known(StateDir state) {
    var names = state.all().stream().map(StateDir.Entry::name).toList();
    return names.isEmpty() ? "" : " (known: " + String.join(", ", names) + ")";
  }

  private Path existingSocket() {
    Path p = target.qmp();
    if (!Files.exists(p)) {
      throw new BadInputException("QMP socket '" + p + "' does not exist");
    }
    socketInUse = p;
    return p;
  }

  /** Takes over a VM opened elsewhere (apply, launch), so that close() closes it. */
  synchronized void adopt(Vm v) {
    this.vm = v;
  }

  /**
   * The result of {@code f} within what is left of the command's deadline. When the deadline
   * passes, the VM's QMP connection is closed (which fails the stalled exchange, so the operation
   * rolls back as for any QMP failure, given a short grace to do so) and the command fails with
   * {@link DeadlineException}; the shell's next line opens a new connection.
   */
  <T> T await(CompletableFuture<T> f) {
    long left;
    synchronized (this) {
      left = deadline - System.nanoTime();
    }
    try {
      return f.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      abandon(f);
      throw deadlinePassed(failure(f));
    } catch (ExecutionException e) {
      if (qmpTimedOut(e.getCause())) {
        abandon(f);
        throw deadlinePassed(e.getCause());
      }
      throw new CompletionException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(e);
    }
  }

  /** Waits for {@code f} with no deadline: a VM's exit (apply --watch, launch). */
  static <T> T awaitWithoutDeadline(CompletableFuture<T> f) {
    return f.join();
  }

  private void abandon(CompletableFuture<?> f) {
    Vm v;
    synchronized (this) {
      v = vm;
      vm = null;
    }
    if (v != null) {
      try {
        v.close();
        f.get(ROLLBACK_GRACE_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        // it failed (as expected once the connection is gone) or is still stuck: either way done
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** A QMP exchange timed out (its timeout is the command's remaining time); not a guest event wait. */
  private static boolean qmpTimedOut(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof QmpTimeoutException q && !q.command().equals("(event)")) {
        return true;
      }
    }
    return false;
  }

  private synchronized DeadlineException deadlinePassed(Throwable cause) {
    return new DeadlineException("no answer from QEMU within --timeout " + timeoutSeconds + " s"
        + (socketInUse == null ? "" : " (QMP socket " + socketInUse + ")")
        + (noGreeting(cause) ? "; QEMU accepted the connection but sent no QMP greeting: it serves one QMP"
            + " client at a time on a socket, so another client (qtune daemon, libvirt, a script) may hold it" : ""));
  }

  /** The failure {@code f} ended with, if it has ended (no waiting: the deadline has passed). */
  private static Throwable failure(CompletableFuture<?> f) {
    if (!f.isCompletedExceptionally()) {
      return null;
    }
    try {
      f.join();
      return null;
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      return e.getCause() != null ? e.getCause() : e;
    }
  }

  /** The connection timed out before QEMU's greeting (QMP's setup timeout, anywhere in the chain). */
  private static boolean noGreeting(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof QmpTimeoutException q && q.command().equals("(greeting)")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Closes the QMP connection and the event loop. The loop must be closed before the JVM exits:
   * HotSpot's exit waits up to ~300 ms for threads sitting in native calls, and an open Netty loop
   * sits in epoll_wait (measured: 325 ms of a 670 ms one-shot command; 2 ms to close it).
   */
  @Override
  public synchronized void close() {
    if (daemon != null) {
      daemon.close();
      daemon = null;
      access = null;
    }
    if (vm != null) {
      try {
        vm.close();
      } catch (RuntimeException e) {
        // closing is best effort; the process exits next
      }
      vm = null;
    }
    if (qtune != null) {
      try {
        qtune.close();
      } catch (RuntimeException e) {
        // best effort, as above
      }
      qtune = null;
    }
  }
}
