package io.qtune.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The API end to end: a real daemon process, a real QEMU, a plain HTTP client on the unix socket;
 * every effect checked in the kernel, every happy reply against docs/api/openapi.yaml, every
 * error as problem+json with its status and body.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DaemonApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private CgroupSandbox sandbox;
  private QemuProcess qemu;
  private DaemonProcess daemon;
  private UnixHttp http;
  private String domain;

  @BeforeAll
  void start() throws Exception {
    sandbox = new CgroupSandbox("daemontest");
    qemu = QemuProcess.start("2", 1);
    daemon = new DaemonProcess(sandbox.partition());
    daemon.metricsListen = "127.0.0.1:0";
    daemon.start();
    http = new UnixHttp(daemon.socket); // one keep-alive connection for the whole class
    UnixHttp.Reply r = ok("POST", "/v1/vms", "/v1/vms",
        "{\"qmp\": \"" + qemu.socket() + "\", \"spec\": {\"name\": \"api1\", \"vcpupin\": [{\"vcpu\": 0, \"cpuset\": \"0\"}]}}", 201);
    assertEquals("/v1/vms/api1", r.header("Location"));
    domain = JSON.readTree(r.body()).get("domain_path").asText();
  }

  @AfterAll
  void stop() throws Exception {
    if (http != null) {
      http.close();
    }
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

  /** Sends on the shared connection, asserts the status and that the reply matches the contract. */
  private UnixHttp.Reply ok(String method, String template, String path, String body, int status) throws IOException {
    UnixHttp.Reply r = http.send(method, path, body);
    assertEquals(status, r.status(), method + " " + path + ": " + r.body());
    assertEquals(List.of(), Contract.load().check(method, template, r.status(), r.header("Content-Type"), r.body()),
        method + " " + path + " matches docs/api/openapi.yaml");
    return r;
  }

  private JsonNode problem(String method, String template, String path, String body, int status) throws IOException {
    UnixHttp.Reply r = ok(method, template, path, body, status);
    assertEquals("application/problem+json", r.header("Content-Type"));
    JsonNode p = JSON.readTree(r.body());
    assertEquals(status, p.get("status").asInt());
    assertEquals(method + " " + path.split("\\?")[0], p.get("instance").asText());
    return p;
  }

  private int tidOf(String role) throws IOException {
    JsonNode vm = JSON.readTree(ok("GET", "/v1/vms/{name}", "/v1/vms/api1", null, 200).body());
    for (JsonNode t : vm.get("threads")) {
      if (t.get("role").asText().equals(role)) {
        return t.get("tid").asInt();
      }
    }
    throw new AssertionError("no thread with role " + role + " in " + vm);
  }

  @Test
  void listsAndShowsThePlacement() throws Exception {
    JsonNode list = JSON.readTree(ok("GET", "/v1/vms", "/v1/vms", null, 200).body());
    assertEquals("api1", list.get("vms").get(0).get("name").asText());
    assertEquals(qemu.pid(), list.get("vms").get(0).get("pid").asInt());
    JsonNode vm = JSON.readTree(ok("GET", "/v1/vms/{name}", "/v1/vms/api1", null, 200).body());
    List<String> roles = new ArrayList<>();
    vm.get("threads").forEach(t -> roles.add(t.get("role").asText()));
    assertTrue(roles.containsAll(List.of("vcpu0", "vcpu1", "iothread1", "emulator")), roles.toString());
    int tid = tidOf("vcpu0");
    for (JsonNode t : vm.get("threads")) {
      if (t.get("tid").asInt() == tid) {
        assertEquals(domain + "/vcpu0", t.get("group").asText());
        assertEquals("0", t.get("affinity").asText());
      }
    }
    ok("GET", "/v1/vms/{name}/vcpus", "/v1/vms/api1/vcpus", null, 200);
    ok("GET", "/v1/vms/{name}/emulator/pin", "/v1/vms/api1/emulator/pin", null, 200);
    ok("GET", "/v1/vms/{name}/iothreads", "/v1/vms/api1/iothreads", null, 200);
    ok("GET", "/v1/vms/{name}/spec", "/v1/vms/api1/spec", null, 200);
    JsonNode d = JSON.readTree(ok("GET", "/v1/daemon", "/v1/daemon", null, 200).body());
    assertEquals(daemon.pid(), d.get("pid").asLong());
  }

  @Test
  void pinsAVcpuInTheGroupAndTheThread() throws Exception {
    ok("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", "/v1/vms/api1/vcpus/1/pin", "{\"cpuset\": \"1\"}", 204);
    assertEquals("1", Kernel.cpusAllowed(qemu.pid(), tidOf("vcpu1")));
    assertEquals("1", Kernel.read(domain + "/vcpu1", "cpuset.cpus"));
    ok("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", "/v1/vms/api1/vcpus/1/pin", "{\"cpuset\": \"0-1\"}", 204);
    assertEquals("0-1", Kernel.cpusAllowed(qemu.pid(), tidOf("vcpu1")));
    assertEquals("0-1", Kernel.read(domain + "/vcpu1", "cpuset.cpus"));
    ok("PUT", "/v1/vms/{name}/emulator/pin", "/v1/vms/api1/emulator/pin", "{\"cpuset\": \"1\"}", 204);
    assertEquals("1", Kernel.read(domain + "/emulator", "cpuset.cpus"));
    assertEquals("1", Kernel.cpusAllowed(qemu.pid(), qemu.pid()));
  }

  /**
   * A pin runs on the event loop only when it can run at once: queued behind an operation that
   * waits on a stopped QEMU, it waits on a worker, and the loop keeps answering other connections.
   */
  @Test
  void aPinQueuedBehindAStalledOperationLeavesTheEventLoopFree() throws Exception {
    java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(2);
    new ProcessBuilder("kill", "-STOP", String.valueOf(qemu.pid())).start().waitFor();
    try (UnixHttp a = new UnixHttp(daemon.socket); UnixHttp b = new UnixHttp(daemon.socket)) {
      var add = callers.submit(() -> a.send("POST", "/v1/vms/api1/iothreads", "{\"id\": 9}"));
      // the add holds the VM's queue once the daemon logged it (it logs a change as it starts it)
      org.awaitility.Awaitility.await().atMost(io.qtune.testkit.TestTime.seconds(10))
          .until(() -> daemon.log().contains("POST /v1/vms/api1/iothreads by"));
      var pin = callers.submit(() -> b.send("PUT", "/v1/vms/api1/vcpus/1/pin", "{\"cpuset\": \"1\"}"));
      java.util.concurrent.CompletableFuture<UnixHttp.Reply> info = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return http.send("GET", "/v1/daemon", null);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertEquals(200, info.get(io.qtune.testkit.TestTime.seconds(10).toMillis(),
          java.util.concurrent.TimeUnit.MILLISECONDS).status(), "the event loop answers while a pin waits");
      assertFalse(pin.isDone(), "the pin waits behind the add (QEMU is stopped)");
      assertFalse(add.isDone(), "the add waits for QEMU");
      new ProcessBuilder("kill", "-CONT", String.valueOf(qemu.pid())).start().waitFor();
      long wait = io.qtune.testkit.TestTime.seconds(20).toMillis();
      assertEquals(201, add.get(wait, java.util.concurrent.TimeUnit.MILLISECONDS).status());
      assertEquals(204, pin.get(wait, java.util.concurrent.TimeUnit.MILLISECONDS).status());
      assertEquals("1", Kernel.cpusAllowed(qemu.pid(), tidOf("vcpu1")));
      assertEquals("1", Kernel.read(domain + "/vcpu1", "cpuset.cpus"));
    } finally {
      new ProcessBuilder("kill", "-CONT", String.valueOf(qemu.pid())).start().waitFor();
      callers.shutdownNow();
    }
    ok("DELETE", "/v1/vms/{name}/iothreads/{id}", "/v1/vms/api1/iothreads/9", null, 204);
    ok("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", "/v1/vms/api1/vcpus/1/pin", "{\"cpuset\": \"0-1\"}", 204);
  }

  @Test
  void invalidInputIs422WithTheLibrarysMessageAndChangesNothing() throws Exception {
    String before = Kernel.read(domain + "/vcpu0", "cpuset.cpus");
    JsonNode p = problem("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", "/v1/vms/api1/vcpus/0/pin", "{\"cpuset\": \"0-4096\"}", 422);
    assertEquals("urn:qtune:problem:invalid-input", p.get("type").asText());
    assertEquals("cpuset", p.get("field").asText());
    assertTrue(p.get("detail").asText().contains("0-4096"), p.toString());
    assertEquals(before, Kernel.read(domain + "/vcpu0", "cpuset.cpus"));
    JsonNode range = problem("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", "/v1/vms/api1/vcpus/9/pin", "{\"cpuset\": \"0\"}", 422);
    assertEquals("vcpu 9 is out of range of live cpu count 2", range.get("detail").asText());
    JsonNode sched = problem("PATCH", "/v1/vms/{name}/sched", "/v1/vms/api1/sched", "{\"vcpu_quota\": 10}", 422);
    assertTrue(sched.get("detail").asText().contains("quota"), sched.toString());
  }

  @Test
  void malformedBodiesAre400NamingTheField() throws Exception {
    JsonNode unknown = problem("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", "/v1/vms/api1/vcpus/0/pin", "{\"cpus\": \"0\"}", 400);
    assertEquals("unknown field 'cpus' (allowed: cpuset)", unknown.get("detail").asText());
    assertEquals("cpus", unknown.get("field").asText());
    JsonNode type = problem("PUT", "/v1/vms/{name}/vcpus", "/v1/vms/api1/vcpus", "{\"count\": \"3\"}", 400);
    assertEquals("count", type.get("field").asText());
    JsonNode notJson = problem("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", "/v1/vms/api1/vcpus/0/pin", "{cpuset", 400);
    assertEquals("urn:qtune:problem:bad-request", notJson.get("type").asText());
    JsonNode both = problem("POST", "/v1/vms", "/v1/vms", "{\"qmp\": \"/x\", \"argv\": [\"qemu\"]}", 400);
    assertTrue(both.get("detail").asText().startsWith("give either"), both.toString());
  }

  @Test
  void unknownVmIs404AndDuplicatesAre409() throws Exception {
    JsonNode nf = problem("GET", "/v1/vms/{name}", "/v1/vms/nosuch", null, 404);
    assertEquals("no VM named 'nosuch' is supervised by this daemon (known: api1)", nf.get("detail").asText());
    JsonNode again = problem("POST", "/v1/vms", "/v1/vms",
        "{\"qmp\": \"" + qemu.socket() + "\", \"spec\": {\"name\": \"other\"}}", 409);
    assertTrue(again.get("detail").asText().contains("is supervised on"), again.toString());
    JsonNode io = problem("POST", "/v1/vms/{name}/iothreads", "/v1/vms/api1/iothreads", "{\"id\": 1}", 409);
    assertEquals("an IOThread is already using iothread_id '1'", io.get("detail").asText());
    problem("DELETE", "/v1/vms/{name}/iothreads/{id}", "/v1/vms/api1/iothreads/77", null, 404);
  }

  /** A QMP socket that is not there is the caller's to fix (422, as the CLI's exit 2); one that refuses says so. */
  @Test
  void aMissingOrRefusingQmpSocketIsAnErrorTheCallerCanActOn() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("qd-sock-");
    try {
      java.nio.file.Path missing = dir.resolve("none.qmp");
      JsonNode m = problem("POST", "/v1/vms", "/v1/vms", "{\"qmp\": \"" + missing + "\", \"spec\": {\"name\": \"gone\"}}", 422);
      assertEquals("QMP socket '" + missing + "' does not exist", m.get("detail").asText());
      assertEquals("qmp", m.get("field").asText());
      java.nio.file.Path refusing = dir.resolve("closed.qmp");
      try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
        server.bind(java.net.UnixDomainSocketAddress.of(refusing));
      } // closed: the file stays, connect(2) is refused
      JsonNode r = problem("POST", "/v1/vms", "/v1/vms", "{\"qmp\": \"" + refusing + "\", \"spec\": {\"name\": \"gone\"}}", 500);
      String detail = r.get("detail").asText();
      assertTrue(detail.startsWith("Cannot connect to QMP socket " + refusing), detail);
      assertFalse(detail.contains("internal error") || detail.contains("io.qtune."), detail);
      // nothing was made for either: the partition holds api1's domain group and no other
      String partition = domain.substring(0, domain.lastIndexOf('/'));
      for (java.nio.file.Path mount : io.qtune.testkit.CgroupSandbox.mounts()) {
        java.nio.file.Path dirOf = mount.resolve(partition.substring(1));
        if (java.nio.file.Files.isDirectory(dirOf)) {
          try (var s = java.nio.file.Files.list(dirOf)) {
            assertEquals(List.of(domain.substring(domain.lastIndexOf('/') + 1)),
                s.filter(java.nio.file.Files::isDirectory).map(x -> x.getFileName().toString()).toList(), dirOf.toString());
          }
        }
      }
    } finally {
      try (var s = java.nio.file.Files.list(dir)) {
        for (java.nio.file.Path f : s.toList()) {
          java.nio.file.Files.deleteIfExists(f);
        }
      }
      java.nio.file.Files.deleteIfExists(dir);
    }
  }

  @Test
  void iothreadAddPinDelete() throws Exception {
    UnixHttp.Reply add = ok("POST", "/v1/vms/{name}/iothreads", "/v1/vms/api1/iothreads", "{\"id\": 3, \"poll_max_ns\": 32768}", 201);
    JsonNode io = JSON.readTree(add.body());
    assertEquals(3, io.get("id").asInt());
    assertEquals(32768, io.get("poll_max_ns").asLong());
    assertTrue(Kernel.groupExists(domain + "/iothread3"));
    ok("PUT", "/v1/vms/{name}/iothreads/{id}/pin", "/v1/vms/api1/iothreads/3/pin", "{\"cpuset\": \"1\"}", 204);
    assertEquals("1", Kernel.read(domain + "/iothread3", "cpuset.cpus"));
    assertEquals("1", Kernel.cpusAllowed(qemu.pid(), io.get("tid").asInt()));
    ok("DELETE", "/v1/vms/{name}/iothreads/{id}", "/v1/vms/api1/iothreads/3", null, 204);
    assertFalse(Kernel.groupExists(domain + "/iothread3"));
  }

  @Test
  void schedSetsTheGroupsAndReadsBack() throws Exception {
    ok("GET", "/v1/vms/{name}/sched", "/v1/vms/api1/sched", null, 200);
    JsonNode s = JSON.readTree(ok("PATCH", "/v1/vms/{name}/sched", "/v1/vms/api1/sched",
        "{\"vcpu_quota\": 20000, \"cpu_shares\": 512}", 200).body());
    assertEquals(20000, s.get("vcpu_quota").asLong());
    if (Kernel.file(domain + "/vcpu0", "cpu.cfs_quota_us").isPresent()) {
      assertEquals("20000", Kernel.read(domain + "/vcpu0", "cpu.cfs_quota_us"));
      assertEquals("20000", Kernel.read(domain + "/vcpu1", "cpu.cfs_quota_us"));
      assertEquals("512", Kernel.read(domain, "cpu.shares"));
    } else {
      assertTrue(Kernel.read(domain + "/vcpu0", "cpu.max").startsWith("20000 "));
    }
    ok("PATCH", "/v1/vms/{name}/sched", "/v1/vms/api1/sched", "{\"vcpu_quota\": -1}", 200);
  }

  @Test
  void driftIsEmptyUntilSomeoneWritesBehindQtune() throws Exception {
    assertEquals(0, JSON.readTree(ok("GET", "/v1/vms/{name}/drift", "/v1/vms/api1/drift", null, 200).body())
        .get("drift").size());
    JsonNode d = JSON.readTree(ok("POST", "/v1/vms/{name}/drift", "/v1/vms/api1/drift",
        "{\"vcpupin\": [{\"vcpu\": 0, \"cpuset\": \"1\"}]}", 200).body()).get("drift");
    assertTrue(d.size() > 0, "a spec pinning vcpu0 elsewhere drifts: " + d);
  }

  @Test
  void eventsStreamInSequenceWithTheirTypes() throws Exception {
    ok("POST", "/v1/vms/{name}/iothreads", "/v1/vms/api1/iothreads", "{\"id\": 5}", 201);
    ok("DELETE", "/v1/vms/{name}/iothreads/{id}", "/v1/vms/api1/iothreads/5", null, 204);
    long last = JSON.readTree(ok("GET", "/v1/daemon", "/v1/daemon", null, 200).body()).get("event_seq").asLong();
    try (UnixHttp stream = new UnixHttp(daemon.socket)) {
      stream.writeRequest("GET", "/v1/events?since=0", null);
      UnixHttp.Reply head = stream.readReply();
      assertEquals(200, head.status());
      assertEquals("application/x-ndjson", head.header("Content-Type"));
      assertEquals(List.of(), Contract.load().check("GET", "/v1/events", 200, head.header("Content-Type"), null));
      List<String> types = new ArrayList<>();
      long expect = 1;
      while (expect <= last) {
        JsonNode e = JSON.readTree(stream.nextLine());
        assertEquals(expect++, e.get("seq").asLong(), "sequence numbers count up from 1");
        List<String> problems = new ArrayList<>();
        Contract c = Contract.load();
        c.check(c.api.getComponents().getSchemas().get("Event"), e, "$", problems);
        assertEquals(List.of(), problems, e.toString());
        types.add(e.get("type").asText() + (e.has("data") && e.get("data").has("id") ? e.get("data").get("id").asText() : ""));
      }
      assertEquals("vm-attached", types.get(0));
      assertTrue(types.contains("iothread-added5") && types.contains("iothread-deleted5"), types.toString());
      assertTrue(types.indexOf("iothread-added5") < types.indexOf("iothread-deleted5"), types.toString());
    }
  }

  @Test
  void anUnprivilegedCallerMayReadButNotChange() throws Exception {
    Curl change = curlAsNobody("PUT", "/v1/vms/api1/vcpus/0/pin", "{\"cpuset\": \"1\"}");
    assertEquals(403, change.status, change.body);
    JsonNode p = JSON.readTree(change.body);
    assertEquals("urn:qtune:problem:forbidden", p.get("type").asText());
    assertTrue(p.get("detail").asText().contains("only root and members of group qtune may"), p.toString());
    assertEquals("0", Kernel.read(domain + "/vcpu0", "cpuset.cpus"), "nothing changed");
    Curl read = curlAsNobody("GET", "/v1/vms", null);
    assertEquals(200, read.status, read.body);
    assertEquals("api1", JSON.readTree(read.body).get("vms").get(0).get("name").asText());
    assertTrue(daemon.log().contains("refused PUT /v1/vms/api1/vcpus/0/pin by uid 65534"), daemon.log());
  }

  /** Two requests sent at once on one connection are answered in order, the slow one first. */
  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (UnixHttp p = new UnixHttp(daemon.socket)) {
      p.writeRequest("GET", "/v1/vms/api1", null);  // placement: reads /proc for every thread
      p.writeRequest("GET", "/v1/vms/nosuch", null); // answered at once on its own
      p.writeRequest("GET", "/v1/daemon", null);
      assertEquals(200, p.readReply().status());
      assertEquals(404, p.readReply().status());
      UnixHttp.Reply third = p.readReply();
      assertEquals(200, third.status());
      assertTrue(third.body().contains("\"event_seq\""), third.body());
    }
  }

  @Test
  void metricsOnTheSocketAndOnTcpParseStrictlyAndCountApiOperations() throws Exception {
    ok("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", "/v1/vms/api1/vcpus/1/pin", "{\"cpuset\": \"0-1\"}", 204);
    UnixHttp.Reply r = ok("GET", "/metrics", "/metrics", null, 200);
    assertTrue(r.header("Content-Type").startsWith("text/plain; version=0.0.4"), r.header("Content-Type"));
    List<Sample> samples = Sample.parseAll(r.body());
    assertTrue(samples.stream().anyMatch(s -> s.name().equals("qtune_thread_cpu_seconds_total")
        && s.labels().contains("vm=\"api1\"")), "per-thread CPU time of api1");
    assertTrue(samples.stream().anyMatch(s -> s.name().equals("qtune_operation_duration_seconds_count")
        && s.labels().contains("operation=\"PUT /v1/vms/{name}/vcpus/{vcpu}/pin\"") && s.value() >= 1),
        "the pin's latency is recorded under its route, never its path");
    assertFalse(r.body().contains("/v1/vms/api1/"), "no request path (user input) becomes a label value");
    // the TCP listener serves /metrics and nothing else
    java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + daemon.metricsPort();
    var m = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, m.statusCode());
    Sample.parseAll(m.body());
    var vms = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/v1/vms")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(404, vms.statusCode(), "the API is never served over TCP");
  }

  /** One exposition line {@code name{labels} value}; a line of any other shape fails the test. */
  record Sample(String name, String labels, double value) {
    private static final java.util.regex.Pattern LINE = java.util.regex.Pattern.compile(
        "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})? "
            + "(-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?");

    static List<Sample> parseAll(String text) {
      List<Sample> out = new ArrayList<>();
      for (String l : text.split("\n")) {
        if (l.isEmpty() || l.startsWith("# HELP ") || l.startsWith("# TYPE ") || l.startsWith("# UNIT ")) {
          continue;
        }
        java.util.regex.Matcher m = LINE.matcher(l);
        assertTrue(m.matches(), "not an exposition line: " + l);
        out.add(new Sample(m.group(1), m.group(2) == null ? "" : m.group(2), Double.parseDouble(
            m.group(3).replace("+Inf", "Infinity").replace("-Inf", "-Infinity"))));
      }
      assertFalse(out.isEmpty());
      return out;
    }
  }

  private record Curl(int status, String body) {}

  /** curl as user nobody (no supplementary groups): what any local user's client would send. */
  private Curl curlAsNobody(String method, String path, String body) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
        "curl", "-sS", "--unix-socket", daemon.socket.toString(), "-X", method, "-w", "\n%{http_code}"));
    if (body != null) {
      cmd.addAll(List.of("-H", "Content-Type: application/json", "-d", body));
    }
    cmd.add("http://localhost" + path);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    int nl = out.lastIndexOf('\n');
    return new Curl(Integer.parseInt(out.substring(nl + 1).trim()), out.substring(0, nl));
  }
}
