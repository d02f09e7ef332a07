package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import io.qtune.it.QtuneCommand.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code diff}'s exit status tells scripts whether there is drift: 0 when the VM matches the spec,
 * 3 when it does not (with the drift printed). The built {@code ./qtune} against a real paused QEMU
 * in a cgroup partition of this run's own.
 */
class CliDiffExitTest extends CliAgainstQemu {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Tag("lanes")
  @Test
  void diffExitsZeroWithoutDriftAndThreeWithIt() throws Exception {
    Path spec = tmp.resolve("spec.json");
    Files.writeString(spec, "{\"name\":\"difftest\",\"vcpupin\":[{\"vcpu\":0,\"cpuset\":\"1\"}]}");
    Result applied = qtune.run("apply", spec.toString());
    assertEquals(0, applied.code(), applied.toString());

    Result same = qtune.run("diff", spec.toString());
    assertEquals(0, same.code(), same.toString());
    assertEquals("no drift: the VM matches " + spec + "\n\n", same.out());
    assertEquals("", same.err(), same.toString());

    // a live pin that contradicts the spec
    Result pin = qtune.run("vcpupin", "0", "0");
    assertEquals(0, pin.code(), pin.toString());
    int tid = JSON.readTree(qtune.run("--json", "vcpuinfo").out()).get(0).get("tid").asInt();
    assertEquals("0", ThreadProbe.cpusAllowedList(qemu.pid(), tid));

    Result drift = qtune.run("diff", spec.toString());
    assertEquals(3, drift.code(), "drift is exit 3\n" + drift);
    assertTrue(drift.out().contains("vcpu0 cpuset.cpus: spec 1, live 0"), drift.toString());
    assertEquals("", drift.err(), drift.toString());

    Result json = qtune.run("--json", "diff", spec.toString());
    assertEquals(3, json.code(), json.toString());
    JsonNode d = JSON.readTree(json.out());
    assertTrue(d.size() >= 1 && d.get(0).has("expected") && d.get(0).has("actual"), d.toString());
  }
}
