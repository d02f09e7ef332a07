package io.qtune.core.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.core.Qtune;
import io.qtune.core.SchedParams;
import io.qtune.core.Vm;
import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.testkit.CgroupDump;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.host.Errno;
import io.qtune.host.KernelFaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure at every kernel call (issue 11, section 1): attach with a spec that sets every field,
 * launch, and every live operation run once per changing kernel call they make, with that call
 * failed (KernelFaults, errnos in rotation); each run must end in a typed error and leave the
 * cgroup tree (values and members), every thread's groups, affinity and policy, QEMU's iothreads
 * and the state directory exactly as they were. One QEMU serves attach, one every live operation.
 */
@Tag("v2")
class KernelFaultSweepTest {
  static final Errno[] ERRNOS = {Errno.EBUSY, Errno.ENOSPC, Errno.EINVAL, Errno.EACCES, Errno.ESRCH, Errno.ENOENT};

  /** Every field of the spec; iothread 3 does not exist yet, so attach creates it. */
  static String fullSpec(String name) {
    return """
        {
          "name": "%s",
          "iothreads": [ {"id": 1}, {"id": 2, "poll_max_ns": 32768}, {"id": 3} ],
          "vcpupin": [ {"vcpu": 0, "cpuset": "0"}, {"vcpu": 1, "cpuset": "1"} ],
          "emulatorpin": "1",
          "iothreadpin": [ {"iothread": 1, "cpuset": "1"}, {"iothread": 3, "cpuset": "0"} ],
          "shares": 2048,
          "period": 100000, "quota": 50000,
          "global_period": 100000, "global_quota": 180000,
          "emulator_period": 200000, "emulator_quota": 60000,
          "iothread_period": 100000, "iothread_quota": 40000,
          "vcpusched": [ {"vcpus": "0-1", "scheduler": "batch"} ],
          "numatune": {"mode": "strict", "nodeset": "0"}
        }
        """.formatted(name);
  }

  /** What apply changes from {@link #fullSpec}: pins swapped, values, policies, one iothread more. */
  static final String CHANGED = """
      {
        "name": "vm1",
        "iothreads": [ {"id": 1}, {"id": 2, "poll_max_ns": 32768}, {"id": 3}, {"id": 4} ],
        "vcpupin": [ {"vcpu": 0, "cpuset": "1"}, {"vcpu": 1, "cpuset": "0"} ],
        "emulatorpin": "0",
        "iothreadpin": [ {"iothread": 1, "cpuset": "0"}, {"iothread": 4, "cpuset": "1"} ],
        "shares": 1024,
        "period": 200000, "quota": 70000,
        "emulator_period": 100000, "emulator_quota": 50000,
        "iothread_period": 100000, "iothread_quota": 30000,
        "vcpusched": [ {"vcpus": "0", "scheduler": "idle"} ]
      }
      """;

  @TempDir Path state;

  /** Fails the n-th changing kernel call with the n-th errno of the rotation. */
  static FaultSweep.Armed kernel() {
    return (n, op) -> {
      AtomicInteger calls = new AtomicInteger();
      AtomicReference<String> hit = new AtomicReference<>();
      Throwable error = null;
      try (AutoCloseable f = KernelFaults.install((o, t, v) -> {
        if (calls.incrementAndGet() == n) {
          Errno errno = errno(n, o);
          hit.set(errno + " at " + o + " " + t + (v == null ? "" : " <- " + v));
          return errno;
        }
        return null;
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

  /**
   * The n-th errno of the rotation; an rmdir skips EBUSY, which qtune retries by design (the kernel
   * frees a group that just lost its last thread lazily), so it would not fail the operation.
   */
  static Errno errno(int n, String op) {
    Errno e = ERRNOS[(n - 1) % ERRNOS.length];
    return op.equals("rmdir") && e == Errno.EBUSY ? ERRNOS[n % ERRNOS.length] : e;
  }

  static List<String> ids(Vm vm) {
    return vm.qmp().queryIothreads().join().stream().map(io.qtune.qmp.model.IothreadInfo::id).toList();
  }

  @Test
  void attachAndEveryLiveOperationSurviveAFailureAtEachKernelCall() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("ksweep");
        QemuProcess a = QemuProcess.start("2,maxcpus=4", 1, 2);
        QemuProcess b = QemuProcess.start("2,maxcpus=4", 1, 2);
        Qtune qtune = Qtune.create(io.qtune.core.testing.TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      Vm vm = qtune.attach(a.socket(), SpecReader.parse(fullSpec("vm1"))).join();

      TuningSpec full2 = SpecReader.parse(fullSpec("vm2"));
      FaultSweep.sweep("attach (every field)", kernel(),
          () -> StateProbe.of(sb, b.pid(), () -> QmpProbe.iothreads(b.socket()), state),
          n -> () -> qtune.attach(b.socket(), full2), () -> { });

      Supplier<Map<String, String>> snap = () -> StateProbe.of(sb, a.pid(), () -> ids(vm), state);
      live(vm, snap);
    }
  }

  /** Every live operation, in an order where each one changes something on the VM as it is then. */
  static void live(Vm vm, Supplier<Map<String, String>> snap) throws IOException {
    FaultSweep.Armed k = kernel();
    Runnable none = () -> { };
    FaultSweep.sweep("vcpupin 0 1", k, snap, n -> () -> vm.pins().vcpu(0, "1"), none);
    FaultSweep.sweep("emulatorpin 0-1", k, snap, n -> () -> vm.pins().emulator("0-1"), none);
    FaultSweep.sweep("iothreadpin 2 0", k, snap, n -> () -> vm.pins().iothread(2, "0"), none);
    FaultSweep.sweep("iothreadadd 5", k, snap,
        n -> () -> vm.iothreads().add(new IothreadSpec(5, 16384L, null, null, null, null, null)), none);
    FaultSweep.sweep("iothreaddel 5", k, snap, n -> () -> vm.iothreads().delete(5), none);
    SchedParams all = new SchedParams().set("cpu_shares", 512).set("vcpu_period", 200000)
        .set("vcpu_quota", 20000).set("emulator_period", 100000).set("emulator_quota", 30000)
        .set("global_period", 200000).set("global_quota", 300000).set("iothread_period", 200000)
        .set("iothread_quota", 20000);
    FaultSweep.sweep("schedinfo --set (every key)", k, snap, n -> () -> vm.scheduler().set(all), none);
    FaultSweep.sweep("vcpusched 0-1 idle", k, snap, n -> () -> vm.scheduler().vcpuPolicy("0-1", "idle", null), none);
    TuningSpec changed = SpecReader.parse(CHANGED);
    FaultSweep.sweep("apply (changed spec)", k, snap, n -> () -> vm.apply(changed), none);
    Path img = Files.createTempFile("qtune-sweep-", ".raw");
    try {
      try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
        f.setLength(1 << 20);
      }
      FaultSweep.sweep("attach-disk vdb", k, snap, n -> () -> vm.disks().attach(img, "vdb", 1), none);
    } finally {
      Files.deleteIfExists(img);
    }
  }

  /**
   * setvcpus: QEMU cannot unplug a vCPU without the guest (device_del of a CPU is refused on a
   * paused TCG guest), so a failed hotplug keeps the new vCPU thread and says so; everything else
   * (groups, values, every other thread) must be as before, and no vcpuN group is left. One QEMU
   * per fault point, since the vCPU stays plugged.
   */
  @Test
  void setvcpusSurvivesAFailureAtEachKernelCall() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("ksweep");
        Qtune qtune = Qtune.create(io.qtune.core.testing.TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      FaultSweep.Armed k = kernel();
      for (int n = 1; n <= FaultSweep.LIMIT; n++) {
        try (QemuProcess q = QemuProcess.start("2,maxcpus=4", 1, 2)) {
          Vm vm = qtune.attach(q.socket(), SpecReader.parse(fullSpec("vm" + n))).join();
          java.util.Set<Integer> threads = new java.util.HashSet<>(io.qtune.testkit.ThreadProbe.tasks(q.pid()));
          Map<String, String> before = StateProbe.of(sb, q.pid(), () -> ids(vm), state);
          FaultSweep.Run r = k.run(n, () -> vm.vcpus().setCount(3));
          if (!r.reached()) {
            org.junit.jupiter.api.Assertions.assertNull(r.error(), "the run with no fault reached");
            FaultSweep.record("setvcpus 3", n - 1);
            vm.destroy().join();
            return;
          }
          String where = "setvcpus 3, fault point " + n + " (" + r.injected() + ")";
          org.junit.jupiter.api.Assertions.assertInstanceOf(io.qtune.core.QtuneException.class, r.error(), where);
          Map<String, String> after = withoutThreadsOtherThan(threads, StateProbe.of(sb, q.pid(), () -> ids(vm), state));
          if (!withoutThreadsOtherThan(threads, before).equals(after)) {
            org.junit.jupiter.api.Assertions.fail(where + " not restored: " + r.error().getMessage() + "\n"
                + FaultSweep.diff(withoutThreadsOtherThan(threads, before), after));
          }
          org.junit.jupiter.api.Assertions.assertEquals(List.of(), io.qtune.core.RollbackTestAccess.groupsNamed(sb, "vcpu2"), where);
          vm.destroy().join();
        }
      }
      org.junit.jupiter.api.Assertions.fail("setvcpus: more than " + FaultSweep.LIMIT + " fault points");
    }
  }

  /** The state without the threads that were not there before (a plugged vCPU that stays). */
  static Map<String, String> withoutThreadsOtherThan(java.util.Set<Integer> keep, Map<String, String> m) {
    Map<String, String> out = new TreeMap<>();
    m.forEach((key, value) -> {
      String[] w = key.split(" ");
      if (w.length > 1 && w[1].matches("\\d+") && !keep.contains(Integer.parseInt(w[1]))) {
        return;
      }
      if (key.endsWith("/tasks") || key.endsWith("/cgroup.threads")) {
        value = String.join("\n", value.lines().filter(l -> l.isBlank() || keep.contains(Integer.parseInt(l.trim()))).toList());
      }
      out.put(key, value);
    });
    return out;
  }

  @Test
  void launchSurvivesAFailureAtEachKernelCall() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("ksweep");
        QemuProcess other = QemuProcess.start("1");
        Qtune qtune = Qtune.create(io.qtune.core.testing.TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      // the partition exists with another VM in it, as on a host: launch creates only the VM's own
      qtune.attach(other.socket(), SpecReader.parse("{\"name\": \"other\"}")).join();
      String uuid = UUID.randomUUID().toString();
      List<String> args = QemuProcess.baseArgs("2,maxcpus=4");
      args.addAll(List.of("-object", "iothread,id=iothread1", "-object", "iothread,id=iothread2", "-uuid", uuid));
      TuningSpec spec = SpecReader.parse(fullSpec("vml"));
      Supplier<Map<String, String>> snap = () -> {
        Map<String, String> m = new TreeMap<>(CgroupDump.of(sb.dirs()));
        m.put("state files", String.join(",", StateProbe.stateFiles(state)));
        m.put("processes with our uuid", String.join(",", processesWith(uuid)));
        return m;
      };
      AtomicReference<Vm> launched = new AtomicReference<>();
      try {
        FaultSweep.sweep("launch (every field)", kernel(), snap,
            n -> () -> qtune.launch(spec, args, io.qtune.core.testing.TestOptions.launch().paused()).thenApply(v -> {
              launched.set(v);
              return v;
            }), () -> { });
      } finally {
        if (launched.get() != null) {
          launched.get().destroy().join();
        }
      }
      assertEquals(List.of(), processesWith(uuid));
    }
  }

  /** Processes whose command line holds {@code marker}. */
  static List<String> processesWith(String marker) {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
          if (cmd.contains(marker) && !cmd.contains("surefire")) {
            out.add(p.getFileName() + " " + cmd);
          }
        } catch (IOException gone) {
          // exited while we looked
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out;
  }
}
