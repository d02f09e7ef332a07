package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.testkit.QemuProcess;
import io.qtune.it.QtuneCommand.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host without a network interface: Netty warns that it found no hardware address and no
 * interfaces. The user sees qtune's messages only. The built {@code ./qtune} runs in a network
 * namespace with no interface up ({@code unshare -n}) against a real paused QEMU (a unix socket on
 * the filesystem works across network namespaces).
 */
class CliNoNetworkTest {
  @TempDir
  Path tmp;
  private QemuProcess qemu;

  @BeforeEach
  void startQemu() throws Exception {
    assertTrue(Files.isExecutable(QtuneCommand.launcher()), "./qtune missing");
    Process probe = new ProcessBuilder("unshare", "-n", "true").redirectErrorStream(true).start();
    assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "unshare -n not available here");
    qemu = QemuProcess.start("2,maxcpus=4", 1);
  }

  @AfterEach
  void stopQemu() {
    if (qemu != null) {
      qemu.close();
    }
  }

  @Test
  void noLibraryWarningsWithoutANetwork() {
    Result r = unshared("vcpuinfo");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("VCPU:           0\n"), r.toString());
    assertFalse(r.err().contains("io.netty"), "Netty's warnings reach the user\n" + r);
    assertEquals("", r.err(), r.toString());
  }

  @Test
  void verboseStillShowsThem() {
    Result r = unshared("-v", "vcpuinfo");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.err().contains("io.netty"), "-v shows the libraries' warnings\n" + r);
  }

  /** ./qtune ARGS in a new network namespace: only a loopback interface, and that one down. */
  private Result unshared(String... args) {
    return new QtuneCommand("--qmp", qemu.socket().toString(), "--state-dir", tmp.resolve("state").toString())
        .under("unshare", "-n").run(args);
  }
}
