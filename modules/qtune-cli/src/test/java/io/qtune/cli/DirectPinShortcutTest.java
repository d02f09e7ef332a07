package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pin shortcut without the daemon ({@code --direct}, or no daemon on the host): against a real
 * QEMU, each command line gives the exit status, stdout and stderr the full CLI gives, and the
 * thread lands where the full CLI puts it.
 */
@Tag("v2")
class DirectPinShortcutTest {
  @TempDir Path state;

  @Test
  void theShortcutWithoutTheDaemonPrintsAndPinsWhatTheFullCliDoes() throws Exception {
    try (CgroupSandbox sb = new CgroupSandbox("clitest");
        QemuProcess q = QemuProcess.start("2", 1);
        CannedDaemon other = new CannedDaemon(state.resolve("d.sock"), state.toString())) {
      // a daemon on this state dir that does not supervise the VM: the library in this process
      other.answer("GET", "/v1/vms", CannedDaemon.Answer.json(200, "{\"vms\":[]}"));
      List<String> root = List.of("--qmp", q.socket().toString(), "--state-dir", state.toString(),
          "--partition", sb.partition());
      // each case twice, the full CLI first: it places the VM, so both see a placed VM after it
      for (String[] args : List.of(new String[] {"--direct", "vcpupin", "0", "1"},
          new String[] {"--direct", "-q", "emulatorpin", "0-1"},
          new String[] {"--direct", "--timeout", "20", "iothreadpin", "1", "0"},
          new String[] {"--direct", "vcpupin", "9", "1"},
          new String[] {"--direct", "vcpupin", "0", "99"},
          new String[] {"--direct", "iothreadpin", "7", "0"},
          new String[] {"--direct", "emulatorpin", "x"},
          new String[] {"--direct", "--socket", state.resolve("none.sock").toString(), "vcpupin", "1", "0"},
          new String[] {"--socket", other.socket().toString(), "vcpupin", "1", "1"})) {
        String what = String.join(" ", args);
        Run full = full(root, args);
        String fullAffinity = affinities(q);
        Run fast = shortcut(root, args);
        assertEquals(full, fast, what);
        assertEquals(fullAffinity, affinities(q), what + ": the same command again changes nothing more");
      }
      // the shortcut alone, from another state: it lands in the kernel
      Run r = shortcut(root, new String[] {"--direct", "vcpupin", "0", "0"});
      assertEquals(new Run(0, "\n", ""), r);
      assertEquals("0", ThreadProbe.cpusAllowedList(q.pid(), vcpuTid(q, 0)));
    }
  }

  @Test
  void aMissingSocketIsTheFullClisError() {
    Path missing = state.resolve("gone.qmp");
    List<String> root = List.of("--qmp", missing.toString(), "--state-dir", state.toString());
    String[] args = {"--direct", "vcpupin", "0", "1"};
    Run full = full(root, args);
    assertEquals(2, full.code(), full.err());
    assertEquals(full, shortcut(root, args));
  }

  // ---------------------------------------------------------------- helpers

  private record Run(int code, String out, String err) {}

  private static int vcpuTid(QemuProcess q, int vcpu) {
    return ThreadProbe.tasks(q.pid()).stream()
        .filter(t -> ThreadProbe.comm(q.pid(), t).startsWith("CPU " + vcpu + "/")).findFirst().orElseThrow();
  }

  /** Every vCPU's, the main thread's and iothread1's affinity. */
  private static String affinities(QemuProcess q) {
    StringBuilder s = new StringBuilder();
    for (int tid : ThreadProbe.tasks(q.pid())) {
      String comm;
      try {
        comm = ThreadProbe.comm(q.pid(), tid);
      } catch (RuntimeException | AssertionError gone) {
        continue;
      }
      if (comm.startsWith("CPU ") || comm.startsWith("IO ") || tid == q.pid()) {
        s.append(comm).append('=').append(ThreadProbe.cpusAllowedList(q.pid(), tid)).append(';');
      }
    }
    return s.toString();
  }

  private static String[] all(List<String> root, String[] args) {
    List<String> all = new ArrayList<>(root);
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }

  private static Run full(List<String> root, String[] args) {
    CliRun r = CliRun.of(all(root, args));
    return new Run(r.code(), r.out(), r.err());
  }

  private static Run shortcut(List<String> root, String[] args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    Integer code = PinShortcut.run(all(root, args), new PrintStream(o, true, StandardCharsets.UTF_8),
        new PrintStream(e, true, StandardCharsets.UTF_8));
    assertTrue(code != null, "the shortcut left " + List.of(args) + " to picocli");
    return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }
}
