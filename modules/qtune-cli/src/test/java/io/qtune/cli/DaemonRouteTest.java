package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.cli.CannedDaemon.Answer;
import io.qtune.cli.CannedDaemon.Request;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's daemon path, wired against {@link CannedDaemon} (answers shaped as
 * docs/api/openapi.yaml): which requests a verb sends, what it prints from the answers, how
 * problem+json maps to exit codes, and when it does not use the daemon at all.
 */
class DaemonRouteTest {
  private static final String VMS = "{\"vms\":[{\"name\":\"vm1\",\"pid\":42,\"qmp_socket\":\"/run/vm1.qmp\","
      + "\"domain_path\":\"/machine/qemu-1-vm1.libvirt-qemu\",\"launched\":false,\"placed\":true}]}";

  @TempDir
  Path dir;
  private CannedDaemon daemon;
  private String state;

  @BeforeEach
  void start() throws Exception {
    state = dir.resolve("state").toString();
    daemon = new CannedDaemon(dir.resolve("d.sock"), state);
    daemon.answer("GET", "/v1/vms", Answer.json(200, VMS));
  }

  @AfterEach
  void stop() throws Exception {
    daemon.close();
  }

  @Test
  void vcpupinQueryPrintsVirshTableFromTheDaemonsPins() {
    daemon.answer("GET", "/v1/vms/vm1/vcpus", Answer.json(200, "{\"vcpus\":[],\"pins\":["
        + "{\"vcpu\":0,\"affinity\":\"1\"},{\"vcpu\":1,\"affinity\":\"0-1\"}]}"));
    Run r = qtune("--name", "vm1", "vcpupin");
    assertEquals(0, r.code, r.err);
    assertEquals(" VCPU   CPU Affinity\n----------------------\n 0      1\n 1      0-1\n\n", r.out);
    assertEquals(List.of("GET /v1/daemon", "GET /v1/vms", "GET /v1/vms/vm1/vcpus"), paths());
  }

  @Test
  void vcpupinByQmpSocketPutsThePin() {
    daemon.answer("PUT", "/v1/vms/vm1/vcpus/0/pin", Answer.noContent());
    Run r = qtune("--qmp", "/run/vm1.qmp", "vcpupin", "0", "1");
    assertEquals(0, r.code, r.err);
    assertEquals("\n", r.out);
    Request put = daemon.requests.get(2);
    assertEquals("PUT /v1/vms/vm1/vcpus/0/pin", put.method() + " " + put.path());
    assertEquals("{\"cpuset\":\"1\"}", put.body());
  }

  @Test
  void invalidInputIsExit2WithTheLibrarysMessage() {
    daemon.answer("PUT", "/v1/vms/vm1/vcpus/9/pin",
        Answer.problem(422, "invalid-input", "vcpu 9 is out of range of live cpu count 2"));
    Run r = qtune("--name", "vm1", "vcpupin", "9", "1");
    assertEquals(2, r.code);
    assertEquals("error: vcpu 9 is out of range of live cpu count 2\n", r.err);
    assertEquals("", r.out);
  }

  @Test
  void everyProblemIsPrintedAndAConflictIsExit2() {
    daemon.answer("POST", "/v1/vms/vm1/iothreads", new Answer(409, "application/problem+json",
        "{\"type\":\"urn:qtune:problem:conflict\",\"title\":\"Conflict\",\"status\":409,"
            + "\"detail\":\"two problems\",\"problems\":[\"iothread 1 exists\",\"second\"]}"));
    Run r = qtune("--name", "vm1", "iothreadadd", "1");
    assertEquals(2, r.code);
    assertEquals("error: iothread 1 exists\nerror: second\n", r.err);
  }

  @Test
  void failedOperationIsExit1() {
    daemon.answer("PUT", "/v1/vms/vm1/emulator/pin",
        Answer.problem(500, "operation-failed", "cannot write cpuset.cpus: rolled back"));
    Run r = qtune("--name", "vm1", "emulatorpin", "0");
    assertEquals(1, r.code);
    assertEquals("error: cannot write cpuset.cpus: rolled back\n", r.err);
  }

  @Test
  void schedinfoSetSendsVirshKeysInTheOrderGivenAndPrintsTheReadBack() {
    daemon.answer("PATCH", "/v1/vms/vm1/sched", Answer.json(200, "{\"scheduler\":\"posix\",\"cpu_shares\":512,"
        + "\"vcpu_period\":100000,\"vcpu_quota\":20000,\"emulator_period\":100000,\"emulator_quota\":-1,"
        + "\"global_period\":100000,\"global_quota\":-1,\"iothread_period\":null,\"iothread_quota\":null}"));
    Run r = qtune("--name", "vm1", "schedinfo", "--set", "vcpu_quota=20000", "--set", "cpu_shares=512");
    assertEquals(0, r.code, r.err);
    assertEquals("{\"vcpu_quota\":20000,\"cpu_shares\":512}", daemon.requests.get(2).body());
    assertEquals("Scheduler      : posix\ncpu_shares     : 512\nvcpu_period    : 100000\nvcpu_quota     : 20000\n"
        + "emulator_period: 100000\nemulator_quota : -1\nglobal_period  : 100000\nglobal_quota   : -1\n"
        + "iothread_period: 0\niothread_quota : 0\n\n", r.out);
  }

  @Test
  void aBadKeyIsRefusedBeforeTheDaemonIsAsked() {
    Run r = qtune("--name", "vm1", "schedinfo", "--set", "vcpu_qota=1");
    assertEquals(2, r.code);
    assertTrue(r.err.startsWith("error: unknown scheduler parameter 'vcpu_qota'"), r.err);
    assertEquals(List.of(), paths());
  }

  @Test
  void iothreadaddJsonIsTheDaemonsIothread() {
    daemon.answer("POST", "/v1/vms/vm1/iothreads", Answer.json(201, "{\"id\":3,\"tid\":77,\"affinity\":\"0-1\","
        + "\"poll_max_ns\":32768,\"poll_grow\":0,\"poll_shrink\":0}"));
    Run r = qtune("--name", "vm1", "--json", "iothreadadd", "3", "--poll-max-ns", "32768");
    assertEquals(0, r.code, r.err);
    assertEquals("{\"id\":3,\"poll_max_ns\":32768}", daemon.requests.get(2).body());
    assertEquals("{\"id\":3,\"tid\":77,\"affinity\":\"0-1\",\"poll_max_ns\":32768,\"poll_grow\":0,\"poll_shrink\":0}\n",
        r.out);
  }

  @Test
  void aVmTheDaemonDoesNotSuperviseIsOpenedDirectly() {
    Path missing = dir.resolve("other.qmp");
    Run r = qtune("--qmp", missing.toString(), "vcpupin");
    assertEquals(2, r.code);
    assertEquals("error: QMP socket '" + missing + "' does not exist\n", r.err);
    assertEquals(List.of("GET /v1/daemon", "GET /v1/vms"), paths());
  }

  @Test
  void anotherStateDirectoryIsNotTheDaemons() {
    Run r = qtuneWith(List.of("--socket", daemon.socket().toString(), "--state-dir", dir.resolve("elsewhere").toString()),
        "--name", "vm1", "vcpupin");
    assertEquals(2, r.code);
    assertTrue(r.err.startsWith("error: no VM named 'vm1'"), r.err);
    assertEquals(List.of("GET /v1/daemon"), paths());
  }

  @Test
  void directNeverAsksTheDaemon() {
    Run r = qtune("--direct", "--name", "vm1", "vcpupin");
    assertEquals(2, r.code);
    assertEquals(List.of(), paths());
  }

  @Test
  void aSocketNamedExplicitlyMustAnswer() {
    Path none = dir.resolve("none.sock");
    Run r = qtuneWith(List.of("--socket", none.toString(), "--state-dir", state), "--name", "vm1", "vcpupin");
    assertEquals(1, r.code);
    assertTrue(r.err.startsWith("error: the qtune daemon at " + none + " does not answer"), r.err);
  }

  // ---------------------------------------------------------------- running the CLI in this JVM

  private record Run(int code, String out, String err) {}

  private Run qtune(String... args) {
    return qtuneWith(List.of("--socket", daemon.socket().toString(), "--state-dir", state), args);
  }

  private Run qtuneWith(List<String> first, String... args) {
    List<String> all = new ArrayList<>(first);
    all.addAll(List.of(args));
    CliRun r = CliRun.of(all.toArray(String[]::new));
    return new Run(r.code(), r.out(), r.err());
  }

  private List<String> paths() {
    return daemon.requests.stream().map(q -> q.method() + " " + q.path()).toList();
  }

  // ------------------------------------------------------------------ the pin shortcut (main())

  @Test
  void thePinShortcutSendsAndPrintsWhatTheFullCliDoes() {
    daemon.answer("PUT", "/v1/vms/vm1/vcpus/0/pin", Answer.noContent());
    daemon.answer("PUT", "/v1/vms/vm1/emulator/pin", Answer.noContent());
    daemon.answer("PUT", "/v1/vms/vm1/iothreads/1/pin", Answer.noContent());
    daemon.answer("PUT", "/v1/vms/vm1/vcpus/9/pin",
        Answer.problem(422, "invalid-input", "vcpu 9 is out of range of live cpu count 2"));
    daemon.answer("PUT", "/v1/vms/vm1/emulator/pin", Answer.noContent());
    for (String[] args : List.of(new String[] {"--name", "vm1", "vcpupin", "0", "1"},
        new String[] {"--name=vm1", "emulatorpin", "0-1"},
        new String[] {"-q", "--qmp", "/run/vm1.qmp", "iothreadpin", "1", "0"},
        new String[] {"--timeout", "5", "--partition", "/machine", "--name", "vm1", "vcpupin", "9", "1"})) {
      daemon.requests.clear();
      Run full = qtune(args);
      List<String> fullRequests = paths();
      daemon.requests.clear();
      Run fast = shortcut(args);
      String what = String.join(" ", args);
      assertEquals(full, fast, what);
      assertEquals(fullRequests, paths(), what);
      assertEquals(List.of("GET /v1/daemon", "GET /v1/vms"), paths().subList(0, 2), what);
      assertTrue(paths().get(2).startsWith("PUT "), what);
    }
    assertEquals(new Run(2, "", "error: vcpu 9 is out of range of live cpu count 2\n"),
        shortcut("--name", "vm1", "vcpupin", "9", "1"));
  }

  @Test
  void thePinShortcutLeavesEveryOtherCommandLineToPicocli() {
    for (String[] args : List.of(new String[] {"--json", "--name", "vm1", "vcpupin", "0", "1"},
        new String[] {"--name", "vm1", "vcpupin", "0", "1", "--json"},
        new String[] {"--name", "vm1", "vcpupin", "0"},
        new String[] {"--name", "vm1", "vcpupin"},
        new String[] {"--name", "vm1", "vcpupin", "x", "1"},
        new String[] {"--name", "vm1", "vcpupin", "+1", "1"},
        new String[] {"--name", "vm1", "vcpupin", "0", "1", "2"},
        new String[] {"--name", "vm1", "vcpupin", "0", "-1"},
        new String[] {"--name", "vm1", "vcpupin", "0", ""},
        new String[] {"--name", "vm1", "emulatorpin"},
        new String[] {"--direct=true", "--name", "vm1", "vcpupin", "0", "1"},
        new String[] {"--direct", "--direct", "--name", "vm1", "vcpupin", "0", "1"},
        new String[] {"-v", "--name", "vm1", "vcpupin", "0", "1"},
        new String[] {"--name", "vm1", "--name", "vm2", "vcpupin", "0", "1"},
        new String[] {"--timeout", "0", "--name", "vm1", "vcpupin", "0", "1"},
        new String[] {"--partition", "machine", "--name", "vm1", "vcpupin", "0", "1"},
        new String[] {"--name", "vm1", "vcpupin", "-h"},
        new String[] {"--name"},
        new String[] {"--help"},
        new String[] {"--name", "vm1", "schedinfo", "--set", "cpu_shares=512"},
        new String[] {"--name", "vm1", "iothreadadd", "1"})) {
      assertEquals(null, PinShortcut.parse(args), String.join(" ", args));
    }
    // a daemon named but not answering: the full CLI says so
    assertEquals(null, PinShortcut.run(new String[] {"--socket", dir.resolve("none.sock").toString(),
        "--name", "vm1", "vcpupin", "0", "1"}, System.out, System.err));
  }

  @Test
  void thePinShortcutOpensAVmTheDaemonDoesNotSuperviseAsTheFullCliDoes() {
    // the library in this process (DirectPinShortcutTest: against a real QEMU); nothing sent but the reads
    Run full = qtune("--name", "other", "vcpupin", "0", "1");
    List<String> fullRequests = paths();
    daemon.requests.clear();
    assertEquals(full, shortcut("--name", "other", "vcpupin", "0", "1"));
    assertEquals(2, full.code(), full.err());
    assertEquals(fullRequests, paths());
    assertEquals(List.of("GET /v1/daemon", "GET /v1/vms"), paths());
  }

  private Run shortcut(String... args) {
    List<String> all = new ArrayList<>(List.of("--socket", daemon.socket().toString(), "--state-dir", state));
    all.addAll(List.of(args));
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    Integer code = PinShortcut.run(all.toArray(String[]::new), new PrintStream(o, true, StandardCharsets.UTF_8),
        new PrintStream(e, true, StandardCharsets.UTF_8));
    assertTrue(code != null, "the shortcut left " + all + " to picocli");
    return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }
}
