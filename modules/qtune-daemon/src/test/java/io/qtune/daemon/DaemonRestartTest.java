package io.qtune.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A restart is invisible to the VMs: SIGKILL the daemon with an attached and a launched VM running,
 * start it again; both still run, their groups are the same (none duplicated), their tuning is
 * read back, operations work; then QEMU's exit removes the groups and says so in events.
 */
class DaemonRestartTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void sigkillAndRestartLeavesVmsRunningAndReadoptsThem() throws Exception {
    long[] launchedPid = {0};
    try {
      restartScenario(launchedPid);
    } finally {
      // the launched QEMU outlives any daemon by design: a failed run must not leave it behind
      if (launchedPid[0] > 0) {
        ProcessHandle.of(launchedPid[0]).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private void restartScenario(long[] launchedPid) throws Exception {
    try (CgroupSandbox sandbox = new CgroupSandbox("daemonrestart");
        QemuProcess attached = QemuProcess.start("2");
        DaemonProcess daemon = new DaemonProcess(sandbox.partition())) {
      daemon.start();
      assertEquals(201, daemon.call("POST", "/v1/vms", "{\"qmp\": \"" + attached.socket()
          + "\", \"spec\": {\"name\": \"att\", \"vcpupin\": [{\"vcpu\": 1, \"cpuset\": \"1\"}]}}").status());
      List<String> argv = new ArrayList<>(QemuProcess.baseArgs("2"));
      UnixHttp.Reply launch = daemon.call("POST", "/v1/vms", JSON.writeValueAsString(java.util.Map.of(
          "spec", java.util.Map.of("name", "lau", "emulatorpin", "0", "quota", 30000), "argv", argv)));
      assertEquals(201, launch.status(), launch.body());
      JsonNode lau = JSON.readTree(launch.body());
      assertTrue(lau.get("launched").asBoolean());
      long lauPid = lau.get("pid").asLong();
      launchedPid[0] = lauPid;
      String lauDomain = lau.get("domain_path").asText();
      assertEquals(204, daemon.call("PUT", "/v1/vms/att/emulator/pin", "{\"cpuset\": \"1\"}").status());
      List<String> groupsBefore = domains(sandbox);
      assertEquals(2, groupsBefore.size(), groupsBefore.toString());

      daemon.kill(); // SIGKILL: no shutdown hook, the socket file stays behind

      assertTrue(attached.process().isAlive(), "the attached QEMU survives the daemon");
      assertTrue(Kernel.running(lauPid), "the launched QEMU survives too");
      assertTrue(Files.exists(daemon.socket), "a stale socket is left");

      daemon.start(); // replaces the stale socket, re-adopts both
      assertTrue(daemon.log().contains("re-adopted 2 VM(s)"), daemon.log());
      JsonNode vms = JSON.readTree(daemon.call("GET", "/v1/vms", null).body()).get("vms");
      assertEquals(2, vms.size(), vms.toString());
      assertEquals(groupsBefore, domains(sandbox), "no duplicate groups");
      JsonNode att = JSON.readTree(daemon.call("GET", "/v1/vms/att/spec", null).body());
      assertEquals("1", att.get("emulatorpin").asText(), "tuning read back: " + att);
      assertEquals("1", att.get("vcpupin").get(0).get("cpuset").asText(), att.toString());
      JsonNode lauSpec = JSON.readTree(daemon.call("GET", "/v1/vms/lau/spec", null).body());
      assertEquals(30000, lauSpec.get("quota").asLong(), lauSpec.toString());
      assertEquals("0", lauSpec.get("emulatorpin").asText(), lauSpec.toString());

      assertEquals(204, daemon.call("PUT", "/v1/vms/att/vcpus/0/pin", "{\"cpuset\": \"1\"}").status());
      String attDomain = vms.get(0).get("domain_path").asText();
      assertEquals("1", Kernel.read(attDomain + "/vcpu0", "cpuset.cpus"));

      // QEMU exits: groups removed, events say so
      try (UnixHttp events = new UnixHttp(daemon.socket)) {
        events.writeRequest("GET", "/v1/events", null);
        assertEquals(200, events.readReply().status());
        attached.kill();
        List<String> seen = new ArrayList<>();
        while (!seen.contains("groups-removed")) {
          JsonNode e = JSON.readTree(events.nextLine());
          assertEquals("att", e.get("vm").asText(), e.toString());
          seen.add(e.get("type").asText());
        }
        assertEquals(List.of("vm-exited", "groups-removed"), seen);
      }
      assertFalse(Kernel.groupExists(attDomain), "the exited VM's groups are removed");
      assertEquals(1, JSON.readTree(daemon.call("GET", "/v1/vms", null).body()).get("vms").size());

      // destroy: the launched VM goes, its groups with it
      assertEquals(204, daemon.call("DELETE", "/v1/vms/lau?destroy=true", null).status());
      assertFalse(Kernel.running(lauPid));
      assertFalse(Kernel.groupExists(lauDomain));
      assertEquals(0, JSON.readTree(daemon.call("GET", "/v1/vms", null).body()).get("vms").size());
    }
  }

  @Test
  void refusesToStartWhileAnotherDaemonAnswers() throws Exception {
    try (CgroupSandbox sandbox = new CgroupSandbox("daemontwice");
        DaemonProcess first = new DaemonProcess(sandbox.partition())) {
      first.start();
      List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          System.getProperty("java.class.path"), "io.qtune.daemon.DaemonMain", "--socket", first.socket.toString(),
          "--state-dir", first.stateDir.toString(), "--partition", sandbox.partition(), "--metrics-listen", "none");
      Process second = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(second.getInputStream().readAllBytes());
      assertEquals(1, second.waitFor());
      assertTrue(out.contains("another qtune daemon holds"), out);
      assertEquals(200, first.call("GET", "/v1/vms", null).status(), "the first one still serves");
    }
  }

  /** The VM domain groups under the sandbox partition (in the cpuset hierarchy on v1, the unified one on v2). */
  private static List<String> domains(CgroupSandbox sandbox) throws Exception {
    Path dir = sandbox.dirs().stream().filter(d -> d.toString().contains("/cpuset/")).findFirst()
        .orElse(sandbox.dirs().get(0));
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("qemu-") || n.startsWith("machine-qemu")).sorted().toList();
    }
  }
}
