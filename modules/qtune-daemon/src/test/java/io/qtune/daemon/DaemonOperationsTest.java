package io.qtune.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The routes and events DaemonApiTest leaves out, over a real daemon process and a real QEMU
 * ({@code -smp 2,maxcpus=4}, iothread1): a vCPU hot-added and placed with its event, a disk
 * attached on an iothread, the same target again (422, nothing asked of QEMU), an unplug the
 * paused guest never answers (500 and operation-failed), and forget then re-attach without a
 * second set of groups.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DaemonOperationsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private CgroupSandbox sandbox;
  private QemuProcess qemu;
  private DaemonProcess daemon;
  private String domain;

  @TempDir
  Path tmp;

  @BeforeAll
  void start() throws Exception {
    sandbox = new CgroupSandbox("daemonops");
    qemu = QemuProcess.start("2,maxcpus=4", 1);
    daemon = new DaemonProcess(sandbox.partition()).start();
    UnixHttp.Reply r = daemon.call("POST", "/v1/vms",
        "{\"qmp\": \"" + qemu.socket() + "\", \"spec\": {\"name\": \"ops1\"}}");
    assertEquals(201, r.status(), r.body());
    domain = JSON.readTree(r.body()).get("domain_path").asText();
  }

  @AfterAll
  void stop() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    if (qemu != null) {
      qemu.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  private long lastSeq() throws IOException {
    return JSON.readTree(daemon.call("GET", "/v1/daemon", null).body()).get("event_seq").asLong();
  }

  /** A stream from after {@code since}, read until an event of {@code type}; that event. */
  private JsonNode awaitEvent(UnixHttp stream, String type) throws IOException {
    List<String> seen = new ArrayList<>();
    for (String l = stream.nextLine(); l != null; l = stream.nextLine()) {
      JsonNode e = JSON.readTree(l);
      if (e.get("type").asText().equals(type)) {
        return e;
      }
      seen.add(e.get("type").asText());
    }
    throw new AssertionError("the stream ended without " + type + " after " + seen);
  }

  private UnixHttp events(long since) throws IOException {
    UnixHttp s = new UnixHttp(daemon.socket);
    s.writeRequest("GET", "/v1/events?since=" + since, null);
    assertEquals(200, s.readReply().status());
    return s;
  }

  private JsonNode thread(String role) throws IOException {
    for (JsonNode t : JSON.readTree(daemon.call("GET", "/v1/vms/ops1", null).body()).get("threads")) {
      if (t.get("role").asText().equals(role)) {
        return t;
      }
    }
    return null;
  }

  /** The groups directly under the partition, in every hierarchy. */
  private List<Path> domains() throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : sandbox.dirs()) {
      try (var s = Files.list(p)) {
        s.filter(Files::isDirectory).sorted().forEach(out::add);
      }
    }
    return out;
  }

  @Test
  void aHotAddedVcpuIsPlacedAndAnnounced() throws Exception {
    long since = lastSeq();
    UnixHttp.Reply r = daemon.call("PUT", "/v1/vms/ops1/vcpus", "{\"count\": 3}");
    assertEquals(200, r.status(), r.body());
    assertTrue(r.body().contains("\"vcpu\":2"), r.body());
    JsonNode vcpu2 = thread("vcpu2");
    assertTrue(vcpu2 != null, "vcpu2 in the placement");
    assertEquals(domain + "/vcpu2", vcpu2.get("group").asText());
    assertEquals(Kernel.read(domain + "/vcpu2", "cpuset.cpus"), Kernel.cpusAllowed(qemu.pid(), vcpu2.get("tid").asInt()));
    try (UnixHttp s = events(since)) {
      JsonNode e = awaitEvent(s, "vcpu-added");
      assertEquals("ops1", e.get("vm").asText());
      assertEquals("[2]", e.get("data").get("vcpus").toString());
      assertTrue(e.get("seq").asLong() > since, e.toString());
    }
  }

  @Test
  void aDiskTwiceIsInvalidInputAndAnUnpluggedDiskTheGuestKeepsFails() throws Exception {
    Path image = tmp.resolve("disk.img");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(1 << 20);
    }
    String io1Before = Kernel.read(domain + "/iothread1", "cpuset.cpus");
    UnixHttp.Reply add = daemon.call("POST", "/v1/vms/ops1/disks",
        "{\"file\": \"" + image + "\", \"target\": \"vdb\", \"iothread\": 1}");
    assertEquals(204, add.status(), add.body());
    JsonNode io1 = thread("iothread1");
    assertEquals(domain + "/iothread1", io1.get("group").asText());
    assertEquals(io1Before, Kernel.cpusAllowed(qemu.pid(), io1.get("tid").asInt()), "the disk's iothread stays placed");
    // the same target again: invalid input, refused before QEMU is asked (nothing changed)
    UnixHttp.Reply again = daemon.call("POST", "/v1/vms/ops1/disks",
        "{\"file\": \"" + image + "\", \"target\": \"vdb\", \"iothread\": 1}");
    assertEquals(422, again.status(), again.body());
    assertEquals("application/problem+json", again.header("Content-Type"));
    JsonNode twice = JSON.readTree(again.body());
    assertEquals("urn:qtune:problem:invalid-input", twice.get("type").asText());
    assertEquals("disk 'vdb' is attached already (attached: vdb)", twice.get("detail").asText());

    // an operation that fails for real: the paused guest never answers the PCI unplug
    long before = lastSeq();
    UnixHttp.Reply unplug = daemon.call("DELETE", "/v1/vms/ops1/disks/vdb?timeout_ms=1000", null);
    assertEquals(500, unplug.status(), unplug.body());
    assertEquals("application/problem+json", unplug.header("Content-Type"));
    JsonNode failed = JSON.readTree(unplug.body());
    assertEquals("urn:qtune:problem:operation-failed", failed.get("type").asText());
    assertEquals("DELETE /v1/vms/ops1/disks/vdb", failed.get("instance").asText());
    assertTrue(failed.get("detail").asText().startsWith("the guest did not release disk 'vdb' within 1000 ms"),
        unplug.body());
    try (UnixHttp s = events(before)) {
      JsonNode e = awaitEvent(s, "operation-failed");
      assertEquals("ops1", e.get("vm").asText());
      assertEquals("DELETE /v1/vms/ops1/disks/vdb", e.get("data").get("operation").asText());
      assertEquals(500, e.get("data").get("status").asInt());
      assertEquals(failed.get("detail").asText(), e.get("data").get("detail").asText());
      assertTrue(e.get("seq").asLong() > before, e.toString());
    }

    // iothread1 still serves vdb (the unplug is only requested): refused, nothing changed
    UnixHttp.Reply del = daemon.call("DELETE", "/v1/vms/ops1/iothreads/1", null);
    assertEquals(422, del.status(), del.body());
    JsonNode p = JSON.readTree(del.body());
    assertEquals("DELETE /v1/vms/ops1/iothreads/1", p.get("instance").asText());
    assertTrue(p.get("detail").asText().startsWith("cannot remove IOThread 1 since it is being used by disk 'vdb'"),
        del.body());
    assertTrue(Kernel.groupExists(domain + "/iothread1"), "iothread1's group stays");

    // a paused TCG guest never answers a PCI unplug, so vdb stays; a target never attached is refused up front
    UnixHttp.Reply gone = daemon.call("DELETE", "/v1/vms/ops1/disks/vdz", null);
    assertTrue(gone.status() == 404 || gone.status() == 422, gone.status() + " " + gone.body());
    assertTrue(JSON.readTree(gone.body()).get("detail").asText().contains("vdz"), gone.body());
  }

  @Test
  void forgetLeavesQemuAndGroupsAndReattachFindsTheSameGroups() throws Exception {
    List<Path> before = domains();
    long since = lastSeq();
    assertEquals(204, daemon.call("DELETE", "/v1/vms/ops1", null).status());
    assertEquals(404, daemon.call("GET", "/v1/vms/ops1", null).status());
    assertTrue(Kernel.running(qemu.pid()), "QEMU keeps running");
    assertTrue(Kernel.groupExists(domain + "/vcpu0"), "the groups stay");
    try (UnixHttp s = events(since)) {
      assertEquals("ops1", awaitEvent(s, "vm-forgotten").get("vm").asText());
    }
    UnixHttp.Reply again = daemon.call("POST", "/v1/vms",
        "{\"qmp\": \"" + qemu.socket() + "\", \"spec\": {\"name\": \"ops1\"}}");
    assertEquals(201, again.status(), again.body());
    assertEquals(domain, JSON.readTree(again.body()).get("domain_path").asText(), "the same domain group");
    assertEquals(before, domains(), "no second set of groups");
    JsonNode vcpu0 = thread("vcpu0");
    assertEquals(domain + "/vcpu0", vcpu0.get("group").asText());
  }
}
