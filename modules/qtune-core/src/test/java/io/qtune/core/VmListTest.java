package io.qtune.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Qtune#vms()} lists the VMs whose QMP connection is open, and only those. */
@Tag("v2")
class VmListTest {
  @TempDir Path state;
  CgroupSandbox sandbox;
  QemuProcess qemu;
  Qtune qtune;

  @BeforeEach
  void start() {
    sandbox = new CgroupSandbox("coretest");
    qemu = QemuProcess.start("1");
    qtune = Qtune.create(TestOptions.options().withPartition(sandbox.partition()).withStateDir(state));
  }

  @AfterEach
  void stop() {
    try {
      qtune.close();
    } finally {
      qemu.close();
      sandbox.close();
    }
  }

  @Test
  void anAttachedVmIsListedUntilItsConnectionCloses() {
    assertEquals(List.of(), qtune.vms());
    Vm vm = qtune.attach(qemu.socket(), SpecReader.parse("{\"name\": \"l1\"}")).join();
    assertEquals(List.of(vm), qtune.vms());
    vm.close();
    await().atMost(TestTime.seconds(10)).until(() -> qtune.vms().isEmpty());
  }

  @Test
  void aVmWhoseQemuExitedIsNotListed() {
    qtune.attach(qemu.socket(), SpecReader.parse("{\"name\": \"l2\"}")).join();
    qemu.kill();
    await().atMost(TestTime.seconds(20)).until(() -> qtune.vms().isEmpty());
  }

  @Test
  void aFailedAttachLeavesNothingListed() {
    // vCPU 5 does not exist: validation fails after the connection was made
    assertThrows(CompletionException.class, () -> qtune.attach(qemu.socket(),
        SpecReader.parse("{\"name\": \"l3\", \"vcpupin\": [{\"vcpu\": 5, \"cpuset\": \"0\"}]}")).join());
    await().atMost(TestTime.seconds(10)).until(() -> qtune.vms().isEmpty());
  }
}
