package io.qtune.core.faults;

import io.qtune.core.Qtune;
import io.qtune.core.Vm;
import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.testkit.CgroupDump;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.qmp.QmpFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure at every QMP command (issue 11, section 1): each operation that talks to QEMU runs once
 * per command it sends, with that command failed by QEMU itself (QmpFaults), and must end in a
 * typed error with the before-state restored: cgroups, threads, iothreads and QEMU's block nodes.
 */
@Tag("v2")
class QmpFaultSweepTest {
  @TempDir Path state;

  /** The commands of the last run, in order: the failed one last. */
  static final AtomicReference<List<String>> SENT = new AtomicReference<>(List.of());

  /** True when {@code step} went through before the failed command: QEMU's change stays. */
  static boolean after(String step) {
    List<String> c = SENT.get();
    return c.subList(0, Math.max(0, c.size() - 1)).contains(step);
  }

  static final java.util.Set<String> UNSWEPT = java.util.Set.of("qmp_capabilities", "query-hotpluggable-cpus");

  static FaultSweep.Armed qmp() {
    return (n, op) -> {
      AtomicInteger sent = new AtomicInteger();
      List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
      SENT.set(commands);
      AtomicReference<String> hit = new AtomicReference<>();
      Throwable error = null;
      try (AutoCloseable f = QmpFaults.install(command -> {
        // the handshake is part of connecting (a failed connect is QmpClientFaultTest's), and an
        // error to query-hotpluggable-cpus means "no CPU hotplug" by design (discovery goes on)
        commands.add(command);
        if (!UNSWEPT.contains(command) && sent.incrementAndGet() == n) {
          hit.set("QMP command " + n + ": " + command);
          return true;
        }
        return false;
      })) {
        try {
          op.get().join();
        } catch (CompletionException e) {
          error = FaultSweep.unwrap(e);
        } catch (RuntimeException e) {
          error = e;
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return new FaultSweep.Run(hit.get() != null, error, hit.get());
    };
  }

  static List<String> blockNodes(Vm vm) {
    List<String> out = new ArrayList<>();
    vm.qmp().execute("query-named-block-nodes", Map.of("flat", true)).join()
        .forEach(n -> out.add(n.path("node-name").asText()));
    out.sort(null);
    return out;
  }

  @Test
  void attachAndEveryLiveOperationSurviveAFailureAtEachQmpCommand() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("qsweep");
        QemuProcess a = QemuProcess.start("2,maxcpus=4", 1, 2);
        QemuProcess b = QemuProcess.start("2,maxcpus=4", 1, 2);
        Qtune qtune = Qtune.create(io.qtune.core.testing.TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.attach(a.socket(), SpecReader.parse(KernelFaultSweepTest.fullSpec("vm1"))).join();
      TuningSpec full2 = SpecReader.parse(KernelFaultSweepTest.fullSpec("vm2"));
      FaultSweep.sweep("attach (every field)", qmp(),
          () -> StateProbe.of(sb, b.pid(), () -> QmpProbe.iothreads(b.socket()), state),
          n -> () -> qtune.attach(b.socket(), full2), () -> { });

      Supplier<Map<String, String>> snap = () -> {
        Map<String, String> m = StateProbe.of(sb, a.pid(), () -> KernelFaultSweepTest.ids(vm), state);
        m.put("block nodes", String.join(",", blockNodes(vm)));
        return m;
      };
      FaultSweep.Armed k = qmp();
      Runnable none = () -> { };
      FaultSweep.sweep("iothreadadd 5", k, snap,
          n -> () -> vm.iothreads().add(new IothreadSpec(5, 16384L, null, null, null, null, null)), none);
      // object-del cannot be undone: a fault after it may end either way; the iothread is re-added
      FaultSweep.sweep("iothreaddel 5", k, snap, n -> () -> vm.iothreads().delete(5), none,
          r -> after("object-del"), () -> {
            if (vm.iothreads().info().join().stream().noneMatch(i -> i.id() == 5)) {
              vm.iothreads().add(new IothreadSpec(5, 16384L, null, null, null, null, null)).join();
            }
          });
      FaultSweep.sweep("apply (changed spec)", k, snap,
          n -> () -> vm.apply(SpecReader.parse(KernelFaultSweepTest.CHANGED)), none);
      Path img = Files.createTempFile("qtune-qsweep-", ".raw");
      try {
        try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
          f.setLength(1 << 20);
        }
        FaultSweep.sweep("attach-disk vdb", k, snap, n -> () -> vm.disks().attach(img, "vdb", 1), none);
        // a paused guest never releases a PCI device: detach can be swept up to device_del (its
        // first two commands); what comes after needs the guest
        Map<String, String> before = snap.get();
        for (int n = 1; n <= 2; n++) {
          int at = n;
          FaultSweep.Run r = k.run(n, () -> vm.disks().detach("vdb", Duration.ofMillis(200)));
          org.junit.jupiter.api.Assertions.assertTrue(r.reached(), "detach reached command " + at);
          FaultSweep.assertTyped(r.error(), "detach-disk, command " + at);
          org.junit.jupiter.api.Assertions.assertEquals(before, snap.get(), "detach-disk, command " + n);
        }
        FaultSweep.record("detach-disk vdb (up to device_del)", 2);
      } finally {
        Files.deleteIfExists(img);
      }
    }
  }

  /** setvcpus on one QEMU per fault point: a plugged vCPU stays (see KernelFaultSweepTest). */
  @Test
  void setvcpusSurvivesAFailureAtEachQmpCommand() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("qsweep");
        Qtune qtune = Qtune.create(io.qtune.core.testing.TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      FaultSweep.Armed k = qmp();
      for (int n = 1; n <= FaultSweep.LIMIT; n++) {
        try (QemuProcess q = QemuProcess.start("2,maxcpus=4", 1, 2)) {
          Vm vm = qtune.attach(q.socket(), SpecReader.parse(KernelFaultSweepTest.fullSpec("vm" + n))).join();
          java.util.Set<Integer> threads = new java.util.HashSet<>(io.qtune.testkit.ThreadProbe.tasks(q.pid()));
          Supplier<Map<String, String>> snap = () -> KernelFaultSweepTest.withoutThreadsOtherThan(threads,
              StateProbe.of(sb, q.pid(), () -> KernelFaultSweepTest.ids(vm), state));
          Map<String, String> before = snap.get();
          FaultSweep.Run r = k.run(n, () -> vm.vcpus().setCount(3));
          if (!r.reached()) {
            org.junit.jupiter.api.Assertions.assertNull(r.error(), "the run with no fault reached");
            FaultSweep.record("setvcpus 3", n - 1);
            vm.destroy().join();
            return;
          }
          String where = "setvcpus 3, " + r.injected();
          org.junit.jupiter.api.Assertions.assertNotNull(r.error(), where + ": the failure was swallowed");
          FaultSweep.assertTyped(r.error(), where);
          Map<String, String> after = snap.get();
          if (after("device_add")) {
            // the plugged vCPU stays (QEMU cannot unplug it without the guest), and with it what
            // qtune gives a vCPU it finds: its own group; everything that was there is unchanged
            after.keySet().removeIf(key -> key.contains("/vcpu2/"));
          }
          if (!before.equals(after)) {
            org.junit.jupiter.api.Assertions.fail(where + " not restored: " + r.error().getMessage() + "\n"
                + FaultSweep.diff(before, after));
          }
          if (!after("device_add")) {
            org.junit.jupiter.api.Assertions.assertEquals(List.of(),
                io.qtune.core.RollbackTestAccess.groupsNamed(sb, "vcpu2"), where);
          }
          vm.destroy().join();
        }
      }
    }
  }

  @Test
  void launchSurvivesAFailureAtEachQmpCommand() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("qsweep");
        QemuProcess other = QemuProcess.start("1");
        Qtune qtune = Qtune.create(io.qtune.core.testing.TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      qtune.attach(other.socket(), SpecReader.parse("{\"name\": \"other\"}")).join();
      String uuid = UUID.randomUUID().toString();
      List<String> args = QemuProcess.baseArgs("2,maxcpus=4");
      args.addAll(List.of("-object", "iothread,id=iothread1", "-object", "iothread,id=iothread2", "-uuid", uuid));
      TuningSpec spec = SpecReader.parse(KernelFaultSweepTest.fullSpec("vml"));
      Supplier<Map<String, String>> snap = () -> {
        Map<String, String> m = new TreeMap<>(CgroupDump.of(sb.dirs()));
        m.put("state files", String.join(",", StateProbe.stateFiles(state)));
        m.put("processes with our uuid", String.join(",", KernelFaultSweepTest.processesWith(uuid)));
        return m;
      };
      AtomicReference<Vm> launched = new AtomicReference<>();
      try {
        FaultSweep.sweep("launch (every field)", qmp(), snap,
            n -> () -> qtune.launch(spec, args, io.qtune.core.testing.TestOptions.launch().paused()).thenApply(v -> {
              launched.set(v);
              return v;
            }), () -> { });
      } finally {
        if (launched.get() != null) {
          launched.get().destroy().join();
        }
      }
    }
  }
}
