package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.CgroupSandbox;
import io.qtune.core.testing.CgroupView;
import io.qtune.core.testing.QemuProcess;
import io.qtune.core.testing.TestTime;
import io.qtune.core.testing.ThreadProbe;
import java.nio.file.Path;
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
    qtune = Qtune.create(TestTime.options().withPartition(sandbox.partition()).withStateDir(state));
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
    assertEquals(online(), vm.emulatorPin().join().toList());
    assertEquals(online(), CgroupView.live().effectiveCpus(vm.domainPath() + "/emulator"));
    assertEquals(online(), ThreadProbe.cpusAllowedList(qemu.pid(), qemu.pid()));
  }
}
