package io.qtune.daemon;

import io.qtune.core.Drift;
import io.qtune.core.Qtune;
import io.qtune.core.StateDir;
import io.qtune.core.Vm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VMs this daemon supervises, by name: re-adopted from the state directory at start, added
 * by attach and launch, dropped when QEMU exits (its groups removed by the library), when
 * forgotten or destroyed. Every change is an event.
 */
public final class Supervisor {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  private final Qtune qtune;
  private final EventLog events;
  private final Map<String, Vm> vms = new ConcurrentHashMap<>();
  private final Map<String, List<Drift>> lastDrift = new ConcurrentHashMap<>();

  public Supervisor(Qtune qtune, EventLog events) {
    this.qtune = qtune;
    this.events = events;
  }

  public Qtune qtune() {
    return qtune;
  }

  /**
   * Re-adopts every VM recorded in the state directory whose QEMU still runs, all in parallel:
   * its existing groups are found by QEMU's pid (never duplicated) and its live tuning read back;
   * nothing is written. Records of QEMUs that are gone are collected first (their groups removed).
   * Returns how many VMs were re-adopted.
   */
  public int adoptRecorded(Duration timeout) {
    for (String removed : qtune.gc()) {
      events.publish("groups-removed", null, Map.of("domain_path", removed));
    }
    List<StateDir.Entry> entries = qtune.state().all();
    Map<StateDir.Entry, CompletableFuture<Vm>> pending = new LinkedHashMap<>();
    for (StateDir.Entry e : entries) {
      pending.put(e, qtune.supervise(Path.of(e.qmpSocket())).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }
    int adopted = 0;
    for (Map.Entry<StateDir.Entry, CompletableFuture<Vm>> p : pending.entrySet()) {
      StateDir.Entry e = p.getKey();
      try {
        Vm vm = p.getValue().join();
        if (register(vm, "vm-adopted")) {
          adopted++;
        }
      } catch (RuntimeException ex) {
        String detail = "cannot re-adopt VM '" + e.name() + "' (pid " + e.pid() + ", " + e.qmpSocket() + "): "
            + Problem.unwrap(ex).getMessage();
        LOG.warn(detail);
        events.publish("operation-failed", e.name(), Map.of("operation", "re-adopt", "status", 500, "detail", detail));
      }
    }
    return adopted;
  }

  /**
   * Starts supervising {@code vm} under its name and publishes {@code type}; false (and the VM's
   * connection closed, nothing else touched) when the name is taken already.
   */
  public boolean register(Vm vm, String type) {
    if (vms.putIfAbsent(vm.name(), vm) != null) {
      vm.close();
      return false;
    }
    events.publish(type, vm.name(), Map.of("pid", vm.pid(), "domain_path", vm.domainPath()));
    vm.exited().whenComplete((r, e) -> {
      if (!vms.remove(vm.name(), vm)) {
        return; // forgotten before QEMU exited: not ours any more
      }
      lastDrift.remove(vm.name());
      events.publish("vm-exited", vm.name(), Map.of("pid", vm.pid()));
      if (e == null) {
        events.publish("groups-removed", vm.name(), Map.of("domain_path", vm.domainPath()));
      } else {
        events.publish("operation-failed", vm.name(), Map.of("operation", "remove groups", "status", 500,
            "detail", String.valueOf(Problem.unwrap(e).getMessage())));
      }
    });
    return true;
  }

  public Optional<Vm> find(String name) {
    return Optional.ofNullable(vms.get(name));
  }

  public Vm require(String name) {
    Vm vm = vms.get(name);
    if (vm == null) {
      throw ApiException.notFound("no VM named '" + name + "' is supervised by this daemon (known: "
          + String.join(", ", names()) + ")");
    }
    return vm;
  }

  public List<String> names() {
    return vms.keySet().stream().sorted().toList();
  }

  public List<Vm> all() {
    List<Vm> out = new ArrayList<>(vms.values());
    out.sort(Comparator.comparing(Vm::name));
    return out;
  }

  /** Whether a supervised VM already holds this QMP socket (QEMU serves one client at a time). */
  public Optional<Vm> bySocket(Path qmp) {
    Path want = qmp.toAbsolutePath().normalize();
    return vms.values().stream().filter(v -> v.qmp().socketPath().toAbsolutePath().normalize().equals(want))
        .findFirst();
  }

  /** Stops supervising: the connection closes, the record goes; QEMU and its groups stay. */
  public void forget(Vm vm) {
    if (vms.remove(vm.name(), vm)) {
      lastDrift.remove(vm.name());
      vm.close();
      qtune.state().find(vm.name()).filter(e -> e.pid() == vm.pid()).ifPresent(e -> qtune.state().forget(vm.name()));
      events.publish("vm-forgotten", vm.name(), Map.of("pid", vm.pid(), "domain_path", vm.domainPath()));
    }
  }

  /** Publishes drift-detected when a VM's drift is new (not the same as last reported). */
  public void noteDrift(Vm vm, List<Drift> drift) {
    List<Drift> before = drift.isEmpty() ? lastDrift.remove(vm.name()) : lastDrift.put(vm.name(), List.copyOf(drift));
    if (!drift.isEmpty() && !drift.equals(before)) {
      events.publish("drift-detected", vm.name(), Map.of("drift", Views.drift(drift)));
    }
  }

  /** One drift pass over every VM (the periodic check). */
  public void checkDrift() {
    for (Vm vm : all()) {
      try {
        noteDrift(vm, vm.diff(vm.spec()).get(30, TimeUnit.SECONDS));
      } catch (Exception e) {
        LOG.debug("drift check of {} failed: {}", vm.name(), e.toString());
      }
    }
  }

  /** Closes every connection, leaving each VM running with its groups and record (a restart re-adopts). */
  public void detachAll() {
    for (Vm vm : all()) {
      vms.remove(vm.name(), vm);
      vm.close();
    }
  }
}
