package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture of the end-to-end CLI tests: the built {@code ./qtune} against a real paused QEMU
 * (a new one per test), in a cgroup partition of the test class's own that must be empty at the end.
 */
abstract class CliAgainstQemu {
  static CgroupSandbox sandbox;

  @TempDir
  Path tmp;
  QemuProcess qemu;
  QtuneCommand qtune;

  @BeforeAll
  static void sandbox() {
    assertTrue(Files.isExecutable(QtuneCommand.launcher()), "./qtune missing");
    sandbox = new CgroupSandbox("clitest");
  }

  @AfterAll
  static void removeSandbox() {
    sandbox.close();
    assertEquals(List.of(), sandbox.leftovers(), "partition left behind");
  }

  /** QEMU's {@code -smp} for this class's VM. */
  String smp() {
    return "2,maxcpus=4";
  }

  @BeforeEach
  void startQemu() {
    qemu = QemuProcess.start(smp(), 1);
    qtune = new QtuneCommand("--qmp", qemu.socket().toString(), "--state-dir", tmp.resolve("state").toString(),
        "--partition", sandbox.partition());
  }

  @AfterEach
  void stopQemu() {
    qemu.close();
  }
}
