package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a qtune SIGKILLed mid-apply leaves, made by hand, and a fresh attach of the same QEMU
 * (CrashSweepTest finds these through the CLI; here they are one fast case each).
 */
class CrashRecoveryTest {
  static final Path CPUSET = Path.of("/sys/fs/cgroup/cpuset");

  @TempDir Path state;

  /**
   * Killed right after the domain group's mkdirs (crash sweep, apply, k = 4): the record names the
   * group, which exists in every hierarchy, but its cpuset has no CPUs or memory nodes yet and QEMU
   * is not in it. The fresh attach must finish the group, not take it as made (its thread groups
   * would inherit an empty cpuset: EACCES on every pin).
   */
  @Test
  void aDomainGroupKilledBeforeItsCpusetWasFilledIsFinishedByAFreshAttach() throws Exception {
    assumeTrue(Files.isDirectory(CPUSET) && Files.isDirectory(Path.of("/sys/fs/cgroup/cpu")),
        "a cgroup v1 host with cpu and cpuset hierarchies (cgroup v1 only: a v1 cpuset group starts empty)");
    try (CgroupSandbox sb = new CgroupSandbox("crashrec");
        QemuProcess q = QemuProcess.start("2", 1);
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      String part = sb.partition().substring(1) + ".partition";
      String domainPath = "/" + part + "/qemu-1-vmc.libvirt-qemu";
      for (Path mount : CgroupSandbox.mounts()) {
        Path p = Files.createDirectories(mount.resolve(part));
        if (mount.equals(CPUSET)) {
          for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            Files.writeString(p.resolve(f), Files.readString(CPUSET.resolve(f)).trim());
          }
        }
        Files.createDirectory(p.resolve("qemu-1-vmc.libvirt-qemu")); // and killed here
      }
      assertEquals("", Files.readString(CPUSET.resolve(part).resolve("qemu-1-vmc.libvirt-qemu/cpuset.cpus")).trim());
      long start = qtune.proc().identity(q.pid()).orElseThrow().startTime();
      qtune.state().write(new StateDir.Entry("vmc", q.pid(), start, q.socket().toString(), domainPath, false));

      Vm vm = qtune.attach(q.socket(), SpecReader.parse("""
          {"name": "vmc", "vcpupin": [ {"vcpu": 0, "cpuset": "0"}, {"vcpu": 1, "cpuset": "1"} ], "emulatorpin": "1"}
          """)).join();

      assertEquals(domainPath, vm.domainPath(), "the recorded group is reused, not a second one made");
      Path dom = CPUSET.resolve(part).resolve("qemu-1-vmc.libvirt-qemu");
      assertEquals(Files.readString(CPUSET.resolve(part).resolve("cpuset.cpus")).trim(),
          Files.readString(dom.resolve("cpuset.cpus")).trim());
      assertEquals("1", Files.readString(dom.resolve("cpuset.memory_migrate")).trim());
      assertEquals("1", Files.readString(dom.resolve("emulator/cpuset.cpus")).trim());
      assertEquals("1", ThreadProbe.cpusAllowedList(q.pid(), q.pid()));
      assertTrue(Files.readString(dom.resolve("emulator/tasks")).lines().anyMatch(l -> l.equals(Integer.toString(q.pid()))),
          "QEMU's main thread is in the emulator group");
    }
  }

  /**
   * Killed between a thread's attach writes (crash sweep, apply, k = 68): vCPU 1's thread is in
   * vcpu1 in the cpu hierarchy and still in the domain group in cpuset. A fresh attach must put it
   * into vcpu1 in cpuset too, not take it for placed because the cpu hierarchy lists it.
   */
  @Test
  void aThreadKilledBetweenItsHierarchiesIsMovedIntoTheRestByAFreshAttach() throws Exception {
    assumeTrue(Files.isDirectory(CPUSET) && Files.isDirectory(Path.of("/sys/fs/cgroup/cpu")),
        "a cgroup v1 host with cpu and cpuset hierarchies (one hierarchy per controller)");
    String spec = """
        {"name": "vmt", "vcpupin": [ {"vcpu": 0, "cpuset": "0"}, {"vcpu": 1, "cpuset": "1"} ]}
        """;
    try (CgroupSandbox sb = new CgroupSandbox("crashrec");
        QemuProcess q = QemuProcess.start("2", 1)) {
      String domain = placeOnce(sb, q, spec);
      int vcpu1 = vcpuTid(q, 1);
      Path dom = CPUSET.resolve(domain.substring(1));
      Files.writeString(dom.resolve("tasks"), Integer.toString(vcpu1)); // as if killed before this attach
      assertEquals(domain + "/vcpu1", ThreadProbe.cgroup(q.pid(), vcpu1, "cpu"));
      assertEquals(domain, ThreadProbe.cgroup(q.pid(), vcpu1, "cpuset"));

      try (Qtune second = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
        second.attach(q.socket(), SpecReader.parse(spec)).join();
        assertEquals(domain + "/vcpu1", ThreadProbe.cgroup(q.pid(), vcpu1, "cpuset"), "vCPU 1 in vcpu1 in cpuset");
        assertEquals(domain + "/vcpu1", ThreadProbe.cgroup(q.pid(), vcpu1, "cpu"));
        assertEquals("1", ThreadProbe.cpusAllowedList(q.pid(), vcpu1));
      }
    }
  }

  /**
   * Killed right after a thread group's mkdirs (crash sweep, launch, k = 23): vcpu1 exists in every
   * hierarchy with an empty cpuset. A fresh attach must fill it before attaching vCPU 1 (ENOSPC).
   */
  @Test
  void aThreadGroupKilledBeforeItsCpusetWasFilledIsFinishedByAFreshAttach() throws Exception {
    assumeTrue(Files.isDirectory(CPUSET) && Files.isDirectory(Path.of("/sys/fs/cgroup/cpu")),
        "a cgroup v1 host with cpu and cpuset hierarchies (cgroup v1 only: a v1 cpuset group starts empty)");
    String spec = """
        {"name": "vmg", "vcpupin": [ {"vcpu": 0, "cpuset": "0"}, {"vcpu": 1, "cpuset": "1"} ]}
        """;
    try (CgroupSandbox sb = new CgroupSandbox("crashrec");
        QemuProcess q = QemuProcess.start("2", 1)) {
      String domain = placeOnce(sb, q, spec);
      int vcpu1 = vcpuTid(q, 1);
      // vcpu1 as a qtune killed right after its mkdirs left it: empty, cpuset without CPUs
      List<Path> dirs = List.of(Path.of("/sys/fs/cgroup/cpu").resolve(domain.substring(1)), CPUSET.resolve(domain.substring(1)));
      for (Path d : dirs) {
        Files.writeString(d.resolve("tasks"), Integer.toString(vcpu1));
        Files.delete(d.resolve("vcpu1"));
        Files.createDirectory(d.resolve("vcpu1"));
      }
      assertEquals("", Files.readString(dirs.get(1).resolve("vcpu1/cpuset.cpus")).trim());

      try (Qtune second = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
        second.attach(q.socket(), SpecReader.parse(spec)).join();
        assertEquals(domain + "/vcpu1", ThreadProbe.cgroup(q.pid(), vcpu1, "cpuset"));
        assertEquals(domain + "/vcpu1", ThreadProbe.cgroup(q.pid(), vcpu1, "cpu"));
        assertEquals("1", Files.readString(dirs.get(1).resolve("vcpu1/cpuset.cpus")).trim());
        assertEquals("1", Files.readString(dirs.get(1).resolve("vcpu1/cpuset.memory_migrate")).trim());
        assertEquals("1", ThreadProbe.cpusAllowedList(q.pid(), vcpu1));
      }
    }
  }

  /**
   * Killed between filling a thread group's cpuset.cpus and cpuset.mems and copying the domain's
   * cpuset.memory_migrate (crash sweep, apply, k = 16 in one run: the count of calls before it
   * moves with QEMU's thread count): the group looks made but kept the kernel's 0. A fresh attach
   * must finish it, as it finishes one with an empty cpuset.
   */
  @Test
  void aThreadGroupKilledBeforeItsMemoryMigrateIsFinishedByAFreshAttach() throws Exception {
    assumeTrue(Files.isDirectory(CPUSET), "a cgroup v1 host (cpuset.memory_migrate is a v1 file)");
    String spec = """
        {"name": "vmk", "emulatorpin": "1"}
        """;
    try (CgroupSandbox sb = new CgroupSandbox("crashrec");
        QemuProcess q = QemuProcess.start("2", 1)) {
      String domain = placeOnce(sb, q, spec);
      Path emulator = CPUSET.resolve(domain.substring(1)).resolve("emulator");
      assertEquals("1", Files.readString(emulator.resolve("cpuset.memory_migrate")).trim());
      Files.writeString(emulator.resolve("cpuset.memory_migrate"), "0"); // as the kill left it
      try (Qtune second = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
        second.attach(q.socket(), SpecReader.parse(spec)).join();
        assertEquals("1", Files.readString(emulator.resolve("cpuset.memory_migrate")).trim());
        assertEquals("1", Files.readString(emulator.resolve("cpuset.cpus")).trim());
        assertEquals(domain + "/emulator", ThreadProbe.cgroup(q.pid(), q.pid(), "cpuset"));
      }
    }
  }

  /**
   * Killed between moving QEMU into its new domain group and setting that group's
   * cpuset.memory_migrate (crash sweep, apply, k = 8), the group kept the kernel's 0 with QEMU
   * inside, so a fresh apply reused it as made and every thread group inherited 0. As libvirt does,
   * the value is set before QEMU moves in: a kill before the move leaves a group the fresh apply
   * makes again (QEMU is not in it), a kill after it a finished one.
   */
  @Test
  void theDomainGroupsMemoryMigrateIsSetBeforeQemuMovesIn() throws Exception {
    assumeTrue(Files.isDirectory(CPUSET), "a cgroup v1 host (cpuset.memory_migrate is a v1 file)");
    List<String> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (CgroupSandbox sb = new CgroupSandbox("crashrec");
        QemuProcess q = QemuProcess.start("2", 1);
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      String domain;
      try (AutoCloseable f = io.qtune.host.KernelFaults.install((op, target, value) -> {
        if (op.equals("write") && target.startsWith(CPUSET.toString())) {
          writes.add(Path.of(target).getFileName() + " " + Path.of(target).getParent().getFileName());
        }
        return null;
      })) {
        domain = qtune.attach(q.socket(), SpecReader.parse("{\"name\": \"vmm\"}")).join().domainPath();
      }
      String dom = Path.of(domain).getFileName().toString();
      int migrate = writes.indexOf("cpuset.memory_migrate " + dom);
      int moved = writes.indexOf("cgroup.procs " + dom);
      assertTrue(migrate >= 0 && moved >= 0, writes.toString());
      assertTrue(migrate < moved, "memory_migrate after QEMU moved in: " + writes);
    }
  }

  /** Places the VM with a first qtune that then goes away (its groups stay); the domain's path. */
  private String placeOnce(CgroupSandbox sb, QemuProcess q, String spec) throws Exception {
    try (Qtune first = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      return first.attach(q.socket(), SpecReader.parse(spec)).join().domainPath();
    }
  }

  private static int vcpuTid(QemuProcess q, int vcpu) {
    return ThreadProbe.tasks(q.pid()).stream()
        .filter(t -> ThreadProbe.comm(q.pid(), t).startsWith("CPU " + vcpu + "/")).findFirst().orElseThrow();
  }
}
