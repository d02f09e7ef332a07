package io.qtune.cli;

import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.core.StateDir;
import io.qtune.core.Vm;
import io.qtune.host.topology.HostTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

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

  private final Target target;
  private Qtune qtune;
  private Vm vm;
  private HostTopology topology;

  Session(Target target) {
    this.target = target;
  }

  Target target() {
    return target;
  }

  /** The control plane (topology, cgroups, the QMP event loop). */
  synchronized Qtune qtune() {
    if (qtune == null) {
      QtuneOptions o = QtuneOptions.defaults().withStateDir(target.stateDir())
          .withPartition(target.partition());
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
      vm = await(open());
    }
    return vm;
  }

  private CompletableFuture<Vm> open() {
    if (target.qmp() != null) {
      return qtune().open(existingSocket());
    }
    if (target.name() != null) {
      return qtune().open(socket());
    }
    throw new BadInputException("name the VM with --qmp SOCKET or --name NAME");
  }

  /**
   * The extra QMP socket {@code launch} gives QEMU for other qtune commands (the supervisor holds
   * the main one, and QMP serves one client per socket).
   */
  static Path operatorSocket(Path stateDir, String name) {
    return new io.qtune.core.StateDir(stateDir).file(name, ".cli.qmp");
  }

  /** The QMP socket of the VM, from {@code --qmp} or the state record of {@code --name}. */
  Path socket() {
    if (target.qmp() != null) {
      return existingSocket();
    }
    if (target.name() != null) {
      StateDir state = new StateDir(target.stateDir());
      StateDir.Entry e = state.find(target.name()).orElseThrow(() -> new BadInputException(
          "no VM named '" + target.name() + "' in " + target.stateDir() + known(state)));
      Path operator = operatorSocket(target.stateDir(), target.name());
      return Files.exists(operator) ? operator : Path.of(e.qmpSocket());
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
    return p;
  }

  /** Takes over a VM opened elsewhere (apply, launch), so that close() closes it. */
  synchronized void adopt(Vm v) {
    this.vm = v;
  }

  static <T> T await(CompletableFuture<T> f) {
    return f.join();
  }

  /**
   * Closes the QMP connection and the event loop. The loop must be closed before the JVM exits:
   * HotSpot's exit waits up to ~300 ms for threads sitting in native calls, and an open Netty loop
   * sits in epoll_wait (measured: 325 ms of a 670 ms one-shot command; 2 ms to close it).
   */
  @Override
  public synchronized void close() {
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
