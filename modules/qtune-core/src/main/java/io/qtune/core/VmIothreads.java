package io.qtune.core;

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

/** A VM's iothreads (virsh iothreadadd, iothreaddel, iothreadinfo). */
public final class VmIothreads {
  private final Vm vm;

  VmIothreads(Vm vm) {
    this.vm = vm;
  }

  /** virsh iothreadadd VM ID: object-add, find the new thread, place it with current settings. */
  public CompletableFuture<IothreadInfo> add(IothreadSpec spec) {
    return vm.op(() -> {
      if (spec.id() <= 0) {
        throw new InvalidInputException("invalid value of " + spec.id() + " for iothread_id");
      }
      VmThreads before = vm.refreshIothreads();
      if (before.iothread(spec.id()) != null) {
        throw new InvalidInputException("an IOThread is already using iothread_id '" + spec.id() + "'");
      }
      TuningSpec next = SpecEdits.edit(vm.tuning().spec(), b -> {
        List<IothreadSpec> l = new ArrayList<>(b.iothreads);
        l.add(spec);
        b.iothreads = l;
      });
      ResolvedTuning r = vm.qtune().validator().resolve(next, vm.facts(before));
      vm.ensurePlaced();
      QmpClient qmp = vm.qmp();
      qmp.addIothread(Vm.properties(spec)).join();
      UndoLog undo = new UndoLog();
      undo.add("object-add iothread" + spec.id(), () -> qmp.objectDel("iothread" + spec.id()).join());
      try {
        VmThreads after = vm.refreshIothreads();
        if (after.iothreads().size() != before.iothreads().size() + 1) {
          throw new OperationFailedException("got wrong number of IOThread ids from QEMU monitor. got "
              + after.iothreads().size() + ", wanted " + (before.iothreads().size() + 1));
        }
        IothreadThread io = after.iothread(spec.id());
        if (io == null) {
          throw new OperationFailedException("cannot find new IOThread '" + spec.id() + "' in QEMU monitor.");
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

  /** virsh iothreaddel VM ID: refused while a disk uses it; object-del, then its group goes. */
  public CompletableFuture<Void> delete(int id) {
    return vm.op(() -> {
      if (id <= 0) {
        throw new InvalidInputException("invalid value of " + id + " for iothread_id");
      }
      VmThreads before = vm.refreshIothreads();
      IothreadThread io = before.iothread(id);
      if (io == null) {
        throw new InvalidInputException("cannot find IOThread '" + id + "' in iothreadids list");
      }
      QmpClient qmp = vm.qmp();
      List<String> users = Disks.usersOf(qmp, io.qomId());
      if (!users.isEmpty()) {
        throw new InvalidInputException("cannot remove IOThread " + id + " since it is being used by disk '"
            + String.join("', '", users) + "'");
      }
      qmp.objectDel(io.qomId()).join();
      VmThreads after = vm.refreshIothreads();
      if (after.iothreads().size() != before.iothreads().size() - 1) {
        throw new OperationFailedException("got wrong number of IOThread ids from QEMU monitor. got "
            + after.iothreads().size() + ", wanted " + (before.iothreads().size() - 1));
      }
      DomainCgroup domain = vm.domain();
      if (domain != null) {
        vm.forgetGroup(ThreadGroupName.iothread(id));
        domain.findThread(ThreadGroupName.iothread(id)).ifPresent(VmIothreads::removeGroupWhenEmpty);
      }
      vm.tuning(vm.withSpec(SpecEdits.edit(vm.tuning().spec(), b -> {
        b.iothreads = b.iothreads.stream().filter(s -> s.id() != id).toList();
        b.iothreadpin = b.iothreadpin.stream().filter(p -> p.iothread() != id).toList();
      })));
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

  /** QEMU joins the iothread asynchronously after object-del: wait briefly for it to leave. */
  private static void removeGroupWhenEmpty(ThreadCgroup g) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!g.threads().isEmpty() && System.nanoTime() < deadline) {
      Vm.sleep(2);
    }
    g.remove();
  }
}
