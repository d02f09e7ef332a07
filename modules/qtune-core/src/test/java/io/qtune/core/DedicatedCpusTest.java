package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.host.cpu.CpuSet;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live ledger reads other VMs' pinned vcpuN and emulator groups from real cgroups. */
@Tag("v2")
class DedicatedCpusTest {
  @TempDir Path state;

  @Test
  void pinnedVcpusAreHeldAndFloatingGroupsAreNot() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("ledgertest");
        QemuProcess q = QemuProcess.start("2");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      assertEquals(CpuSet.empty(), qtune.dedicatedCpus(), "an empty partition holds nothing");
      // vCPU 1 pinned, vCPU 0 and the emulator float over every CPU
      qtune.attach(q.socket(), SpecReader.parse("""
          {"name": "held", "vcpupin": [ {"vcpu": 1, "cpuset": "1"} ]}
          """)).get(TestTime.seconds(20).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      assertEquals(CpuSet.of(1), qtune.dedicatedCpus());
    }
  }

  @Test
  void pinnedEmulatorIsHeld() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("ledgertest");
        QemuProcess q = QemuProcess.start("2");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      qtune.attach(q.socket(), SpecReader.parse("""
          {"name": "emu", "emulatorpin": "0", "vcpupin": [ {"vcpu": 0, "cpuset": "1"} ]}
          """)).get(TestTime.seconds(20).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      assertEquals(CpuSet.parse("0-1"), qtune.dedicatedCpus());
      q.kill();
      // reaped: whether its groups are removed yet or left for gc, they hold no thread
      assertEquals(CpuSet.empty(), qtune.dedicatedCpus(), "a dead VM holds nothing");
    }
  }
}
