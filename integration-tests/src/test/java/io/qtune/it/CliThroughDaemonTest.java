package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.it.QtuneCommand.Result;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI through the real daemon against the CLI directly: {@code ./qtune daemon} as a real
 * process on a socket of its own, a real QEMU attached to it with {@code POST /v1/vms} (curl on the
 * unix socket), a twin QEMU (same {@code -smp}, same iothread) driven with {@code --direct}. Every
 * daemon-capable verb runs against both, in the same order: stdout, stderr and the exit status must
 * be the same (text, {@code --json}, invalid input, a conflict), and so must the kernel's answer.
 */
class CliThroughDaemonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CgroupView CG = CgroupView.live();

  @TempDir
  Path tmp;

  @Test
  void everyDaemonCapableVerbPrintsTheSameThroughTheDaemonAndDirectly() throws Exception {
    Path socket = tmp.resolve("api.sock");
    Path state = tmp.resolve("state");
    Path log = tmp.resolve("daemon.log");
    CgroupSandbox sandbox = new CgroupSandbox("clidaemon");
    QemuProcess viaQemu = null;
    QemuProcess directQemu = null;
    Process daemon = null;
    try {
      viaQemu = QemuProcess.start("2,maxcpus=4", 1);
      directQemu = QemuProcess.start("2,maxcpus=4", 1);
      daemon = new ProcessBuilder(QtuneCommand.launcher().toString(), "daemon", "--socket", socket.toString(),
          "--state-dir", state.toString(), "--partition", sandbox.partition(), "--metrics-listen", "none",
          "--drift-interval", "0").redirectErrorStream(true).redirectOutput(log.toFile()).start();
      awaitDaemon(daemon, socket, log);
      Curl attached = curl(socket, "POST", "/v1/vms",
          "{\"qmp\": \"" + viaQemu.socket() + "\", \"spec\": {\"name\": \"viadaemon\"}}");
      assertEquals(201, attached.status, attached.body);

      QtuneCommand via = new QtuneCommand("--socket", socket.toString(), "--qmp", viaQemu.socket().toString(),
          "--state-dir", state.toString(), "--partition", sandbox.partition());
      QtuneCommand direct = new QtuneCommand("--direct", "--qmp", directQemu.socket().toString(),
          "--state-dir", state.toString(), "--partition", sandbox.partition());
      List<String[]> verbs = List.of(
          new String[] {"vcpupin"},
          new String[] {"--json", "vcpupin"},
          new String[] {"vcpupin", "1", "1"},
          new String[] {"vcpupin", "1"},
          new String[] {"--json", "vcpupin"},
          new String[] {"emulatorpin", "1"},
          new String[] {"emulatorpin"},
          new String[] {"--json", "emulatorpin"},
          new String[] {"iothreadinfo"},
          new String[] {"--json", "iothreadinfo"},
          new String[] {"iothreadadd", "2", "--poll-max-ns", "1000"},
          new String[] {"iothreadpin", "2", "1"},
          new String[] {"iothreadinfo"},
          new String[] {"--json", "iothreadinfo"},
          new String[] {"iothreaddel", "--id", "2"},
          new String[] {"schedinfo"},
          new String[] {"schedinfo", "--set", "vcpu_quota=20000", "--set", "cpu_shares=512"},
          new String[] {"--json", "schedinfo"},
          // invalid input (exit 2, nothing changed) and a conflict (exit 2): the same messages
          new String[] {"vcpupin", "9", "0"},
          new String[] {"vcpupin", "0", "1-0"},
          new String[] {"schedinfo", "--set", "vcpu_quota=999"},
          new String[] {"iothreadadd", "1"},
          new String[] {"iothreaddel", "9"},
          new String[] {"setvcpus", "5"},
          new String[] {"setvcpus", "3"},
          new String[] {"vcpupin"});
      for (String[] args : verbs) {
        Result d = via.run(args);
        Result x = direct.run(args);
        String what = "qtune " + String.join(" ", args) + "\n--- through the daemon\n" + d + "\n--- direct\n" + x;
        assertEquals(x.code(), d.code(), what);
        assertEquals(tidless(x.out()), tidless(d.out()), what);
        assertEquals(x.err(), d.err(), what);
      }
      Result bad = via.run("vcpupin", "9", "0");
      assertEquals(2, bad.code(), bad.toString());
      assertEquals(2, via.run("iothreadadd", "1").code());

      // ps: the same roles, groups (relative to each VM's domain) and affinities; tids differ
      assertEquals(psShape(direct.run("--json", "ps")), psShape(via.run("--json", "ps")));

      // the daemon did the work for one (its log names every change), the CLI for the other
      String daemonLog = Files.readString(log);
      assertTrue(daemonLog.contains("PUT /v1/vms/viadaemon/vcpus/1/pin by uid 0"), daemonLog);
      assertTrue(daemonLog.contains("PATCH /v1/vms/viadaemon/sched by uid 0"), daemonLog);
      assertTrue(daemonLog.contains("PUT /v1/vms/viadaemon/vcpus by uid 0"), daemonLog);

      // and the kernel agrees for both VMs
      for (int i = 0; i < 2; i++) {
        QemuProcess q = i == 0 ? viaQemu : directQemu;
        JsonNode ps = JSON.readTree((i == 0 ? via : direct).run("--json", "ps").out());
        String domain = null;
        for (JsonNode t : ps) {
          String role = t.get("role").asText();
          if (role.equals("vcpu1")) {
            assertEquals("1", ThreadProbe.cpusAllowedList(q.pid(), t.get("tid").asInt()), "vcpu1 of " + q);
            String group = t.get("group").asText();
            domain = group.substring(0, group.lastIndexOf('/'));
            assertEquals("1", CG.cpus(group), group);
          }
          if (role.equals("vcpu2")) {
            assertEquals(CG.cpus(t.get("group").asText()), ThreadProbe.cpusAllowedList(q.pid(), t.get("tid").asInt()),
                "the added vCPU is placed in its group");
          }
        }
        assertTrue(domain != null, "no vcpu1 in " + ps);
        assertEquals(20000, CG.quota(domain + "/vcpu0"), domain);
        assertEquals(3, ps.findValues("role").stream().filter(r -> r.asText().startsWith("vcpu")).count(), ps.toString());
      }
    } finally {
      if (daemon != null) {
        daemon.destroyForcibly().waitFor(TestTime.seconds(30).toMillis(), TimeUnit.MILLISECONDS);
      }
      for (QemuProcess q : new QemuProcess[] {viaQemu, directQemu}) {
        if (q != null) {
          q.close();
        }
      }
      // both VMs' groups and records: qtune's own gc, then the sandbox removes whatever is left
      new QtuneCommand("--direct", "--state-dir", state.toString(), "--partition", sandbox.partition()).run("gc");
      sandbox.close();
      assertEquals(List.of(), sandbox.leftovers(), "partition left behind");
    }
  }

  /** The twin VMs' threads have their own tids: everything else must be the same. */
  private static String tidless(String out) {
    return out.replaceAll("\"tid\":\\d+", "\"tid\":TID");
  }

  /** Each thread's role, group below its domain, and affinity, in role order. */
  private static List<String> psShape(Result r) throws Exception {
    assertEquals(0, r.code(), r.toString());
    List<String> out = new ArrayList<>();
    for (JsonNode t : JSON.readTree(r.out())) {
      String group = t.get("group").asText();
      out.add(t.get("role").asText() + " " + group.substring(group.lastIndexOf('/') + 1) + " "
          + t.get("affinity").asText());
    }
    out.sort(null);
    return out;
  }

  private static void awaitDaemon(Process daemon, Path socket, Path log) throws Exception {
    long deadline = System.nanoTime() + TestTime.seconds(60).toNanos();
    while (true) {
      if (!daemon.isAlive()) {
        throw new AssertionError("the daemon exited with " + daemon.exitValue() + ": " + Files.readString(log));
      }
      if (Files.exists(socket) && curl(socket, "GET", "/v1/daemon", null).status == 200) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the daemon did not answer on " + socket + ": " + Files.readString(log));
      }
      Thread.sleep(50);
    }
  }

  private record Curl(int status, String body) {}

  /** curl on the unix socket, what any manager's script would run; status 0 when nothing answered. */
  private static Curl curl(Path socket, String method, String path, String body) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--unix-socket", socket.toString(), "-X", method,
        "-w", "\n%{http_code}"));
    if (body != null) {
      cmd.addAll(List.of("-H", "Content-Type: application/json", "-d", body));
    }
    cmd.add("http://localhost" + path);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    int nl = out.lastIndexOf('\n');
    String code = out.substring(nl + 1).trim();
    return new Curl(code.matches("\\d+") ? Integer.parseInt(code) : 0, nl < 0 ? out : out.substring(0, nl));
  }
}
