package io.qtune.core;

import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.TestTime;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.host.cgroup.MachineName;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Domain directories name their machine with and without systemd; anything else is not a VM. */
class MachineDirTest {
  @TempDir Path state;

  @Test
  void machineNamesComeBackFromBothLayouts() {
    try (Qtune q = Qtune.create(TestOptions.options().withStateDir(state))) {
      assertEquals(Optional.of(new MachineName("qemu-12-vm1")), q.machineOf("qemu-12-vm1.libvirt-qemu"));
      assertEquals(Optional.of(new MachineName("qemu-3-web-01")),
          q.machineOf("machine-qemu\\x2d3\\x2dweb\\x2d01.scope"));
      assertEquals(Optional.empty(), q.machineOf("emulator"));
      assertEquals(Optional.empty(), q.machineOf("user.slice"));
      assertEquals(Optional.empty(), q.machineOf("machine-foo.scope"));
      assertEquals(Optional.empty(), q.machineOf("qemu-1-x.libvirt-lxc"));
    }
  }
}
