package io.qtune.core;

import java.util.Optional;
import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.sched.ThreadAffinity;
import io.qtune.qmp.QmpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import io.qtune.qmp.QmpCommandException;

/** A VM's iothreads (virsh iothreadadd, iothreaddel, iothreadinfo). */
public final class VmIothreads {
  private final Vm vm;

  VmIothreads(Vm vm) {
    this.vm = vm;
  }

  /**
   * virsh iothreadadd VM ID: object-add, find the new thread, place it with current settings. Two
   * commands, one wait: {@code object-add} and the {@code query-iothreads} that finds the new
   * thread go out together (QEMU runs them in order). A duplicate id is refused by QEMU itself
   * before it starts a thread, so nothing is asked before the add.
   */
  public CompletableFuture<IothreadInfo> add(IothreadSpec spec) {
    return vm.change(() -> {
      if (spec.id() <= 0) {
        throw new InvalidInputException("invalid value of " + spec.id() + " for iothread_id");
      }
      VmThreads known = vm.threads();
      // asked first only when the last discovery knows the id (it may have gone behind our back),
      // or when the VM is not placed yet: placing it before QEMU refuses the id would change
      // something for bad input
      if ((known.iothread(spec.id()) != null || !vm.placed())
          && vm.refreshIothreads().iothread(spec.id()) != null) {
        throw alreadyUsed(spec.id());
      }
      known = vm.threads();
      TuningSpec next = SpecEdits.edit(vm.tuning().spec(), b -> {
        List<IothreadSpec> l = new ArrayList<>(b.iothreads);
        l.add(spec);
        b.iothreads = l;
      });
      ResolvedTuning r = vm.qtune().validator().resolve(next, vm.facts(known));
      vm.ensurePlaced();
      QmpClient qmp = vm.qmp();
      CompletableFuture<Void> added = qmp.addIothread(Vm.properties(spec));
      var query = qmp.queryIothreads();
      try {
        added.join();
      } catch (CompletionException e) {
        query.exceptionally(x -> null); // its answer is not needed
        if (e.getCause() instanceof QmpCommandException q && q.description() != null
            && q.description().contains("duplicate property")) {
          // QEMU refuses an id already under /objects before it creates anything
          throw alreadyUsed(spec.id());
        }
        throw e;
      }
      UndoLog undo = new UndoLog();
      undo.add("object-add iothread" + spec.id(), () -> qmp.objectDel("iothread" + spec.id()).join());
      try {
        VmThreads after = vm.refreshIothreads(query);
        IothreadThread io = after.iothread(spec.id());
        if (io == null) {
          throw new OperationFailedException("cannot find new IOThread '" + spec.id() + "' in QEMU monitor.");
        }
        if (after.iothreads().stream().anyMatch(o -> o.id() != spec.id() && o.tid() == io.tid())
            || after.vcpus().stream().anyMatch(v -> v.tid() == io.tid())) {
          // a vCPU's or another iothread's thread cannot be the one object-add just started
          throw new OperationFailedException("QEMU reports thread " + io.tid() + " for new IOThread '"
              + spec.id() + "', a thread that existed before it");
        }
        vm.qtune().placer().place(vm.domain(), vm.pid(), List.of(Placer.iothreadTarget(io, r)), undo);
        vm.tuning(r);
        return info(io);
      } catch (RuntimeException e) {
        int failed = undo.rollback();
        vm.refresh();
        throw vm.failure("adding iothread " + spec.id() + " failed", e, failed);
      }
    });
  }

  private static InvalidInputException alreadyUsed(int id) {
    return new InvalidInputException("an IOThread is already using iothread_id '" + id + "'");
  }

  /**
   * virsh iothreaddel VM ID: refused while a disk uses it; object-del, then its group goes. Waits
   * for QEMU twice (three times when devices exist): {@code query-iothreads} with the device
   * listings of the disk check; the devices' {@code iothread} properties; {@code object-del} with
   * the {@code query-iothreads} that checks it.
   */
  public CompletableFuture<Void> delete(int id) {
    return vm.change(() -> {
      if (id <= 0) {
        throw new InvalidInputException("invalid value of " + id + " for iothread_id");
      }
      QmpClient qmp = vm.qmp();
      var query = qmp.queryIothreads();
      var devices = Disks.listDevices(qmp); // read-only: sent before the answer says the id exists
      VmThreads before;
      try {
        before = vm.refreshIothreads(query);
      } catch (RuntimeException e) {
        devices.forEach(f -> f.exceptionally(x -> null));
        throw e;
      }
      IothreadThread io = before.iothread(id);
      if (io == null) {
        devices.forEach(f -> f.exceptionally(x -> null));
        throw new InvalidInputException("cannot find IOThread '" + id + "' in iothreadids list");
      }
      List<String> users = Disks.usersOf(qmp, io.qomId(), devices);
      if (!users.isEmpty()) {
        throw new InvalidInputException("cannot remove IOThread " + id + " since it is being used by disk '"
            + String.join("', '", users) + "'");
      }
      // object-del cannot be undone, so it is the last step: the group goes first (its thread to
      // the domain group), and a failure up to and including object-del puts the group back
      DomainCgroup d = vm.domain();
      UndoLog undo = new UndoLog();
      CompletableFuture<List<io.qtune.qmp.model.IothreadInfo>> check;
      try {
        Optional<ThreadCgroup> g = d == null ? Optional.empty() : d.findThread(ThreadGroupName.iothread(id));
        if (g.isPresent()) {
          vm.forgetGroup(ThreadGroupName.iothread(id));
          ResolvedTuning r = vm.tuning();
          undo.add("remove group iothread" + id, () -> {
            // what a removal that failed halfway left (v1: some controllers' directories) goes
            // first, so the group comes back whole, with the spec's values, and its thread in it
            d.findThread(ThreadGroupName.iothread(id)).ifPresent(half -> {
              List<Integer> inside = new ArrayList<>(half.threads());
              inside.add(io.tid());
              Placer.moveToDomain(d, inside);
              half.remove();
            });
            vm.qtune().placer().place(d, vm.pid(), List.of(Placer.iothreadTarget(io, r)), new UndoLog());
          });
          Placer.moveToDomain(d, g.get().threads());
          g.get().remove();
        }
        CompletableFuture<Void> deleted = qmp.objectDel(io.qomId());
        check = qmp.queryIothreads(); // behind object-del: its answer is the state after it
        try {
          deleted.join();
        } catch (RuntimeException e) {
          check.exceptionally(x -> null);
          throw e;
        }
      } catch (RuntimeException e) {
        int failed = undo.rollback();
        throw vm.failure("deleting iothread " + id + " failed", e, failed);
      }
      // QEMU has dropped the iothread: the VM's spec says so before anything else can fail
      vm.tuning(vm.withSpec(SpecEdits.edit(vm.tuning().spec(), b -> {
        b.iothreads = b.iothreads.stream().filter(s -> s.id() != id).toList();
        b.iothreadpin = b.iothreadpin.stream().filter(p -> p.iothread() != id).toList();
      })));
      VmThreads after = vm.refreshIothreads(check);
      if (after.iothreads().size() != before.iothreads().size() - 1) {
        throw new OperationFailedException("got wrong number of IOThread ids from QEMU monitor. got "
            + after.iothreads().size() + ", wanted " + (before.iothreads().size() - 1));
      }
      return null;
    });
  }

  /** virsh iothreadinfo. */
  public CompletableFuture<List<IothreadInfo>> info() {
    return vm.op(() -> vm.refresh().iothreads().stream().map(VmIothreads::info).toList());
  }

  private static IothreadInfo info(IothreadThread io) {
    return new IothreadInfo(io.id(), io.tid(), ThreadAffinity.get(io.tid()), io.pollMaxNs(),
        io.pollGrow(), io.pollShrink());
  }
}
