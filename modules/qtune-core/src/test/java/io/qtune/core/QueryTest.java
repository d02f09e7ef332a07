package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import io.qtune.host.cpu.CpuSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queries answer what virsh prints, on a VM placed without any pin (two of four vCPUs plugged). */
@Tag("v2")
class QueryTest {
  @TempDir Path state;
  CgroupSandbox sandbox;
  QemuProcess qemu;
  Qtune qtune;
  Vm vm;

  @BeforeEach
  void start() {
    sandbox = new CgroupSandbox("coretest");
    qemu = QemuProcess.start("2,maxcpus=4", 1);
    qtune = Qtune.create(TestOptions.options().withPartition(sandbox.partition()).withStateDir(state));
    vm = qtune.attach(qemu.socket(), SpecReader.parse("{\"name\": \"q1\"}")).join();
  }

  @AfterEach
  void stop() {
    try {
      if (qtune != null) {
        qtune.close();
      }
    } finally {
      if (qemu != null) {
        qemu.close();
      }
      sandbox.close();
    }
  }

  static String online() {
    return ThreadProbe.read(Path.of("/sys/devices/system/cpu/online"));
  }

  /**
   * virsh shows the CPUs an unpinned emulator may run on. On cgroup v2 the emulator group's
   * cpuset.cpus is empty when nobody pinned it; its cpuset.cpus.effective is not.
   */
  @Test
  void emulatorpinOfAnUnpinnedVmIsTheHostsOnlineCpus() {
    assertEquals(online(), vm.pins().emulator().join().toList());
    assertEquals(online(), CgroupView.live().effectiveCpus(vm.domainPath() + "/emulator"));
    assertEquals(online(), ThreadProbe.cpusAllowedList(qemu.pid(), qemu.pid()));
  }

  /**
   * virsh vcpuinfo prints the online vCPUs only; virsh vcpupin (query) lists every slot up to
   * maxcpus. QEMU runs -smp 2,maxcpus=4.
   */
  @Test
  void vcpuinfoListsOnlineVcpusOnlyAndVcpupinEverySlot() {
    List<VcpuInfo> info = vm.vcpus().info().join();
    assertEquals(List.of(0, 1), info.stream().map(VcpuInfo::vcpu).toList());
    for (VcpuInfo v : info) {
      assertTrue(ThreadProbe.tasks(qemu.pid()).contains(v.tid()), "vcpu" + v.vcpu() + " tid " + v.tid());
      assertNotEquals("offline", v.state());
      assertEquals(ThreadProbe.cpusAllowedList(qemu.pid(), v.tid()), v.affinity().toList());
    }
    Map<Integer, CpuSet> pins = vm.pins().vcpus().join();
    assertEquals(List.of(0, 1, 2, 3), List.copyOf(pins.keySet()));
    for (VcpuInfo v : info) {
      assertEquals(v.affinity(), pins.get(v.vcpu()));
    }
    assertEquals(online(), pins.get(2).toList(), "an unplugged slot shows the host's CPUs");
    assertEquals(online(), pins.get(3).toList());
  }
}
