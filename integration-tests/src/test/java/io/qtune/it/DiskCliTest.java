package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.it.QtuneCommand.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./qtune attach-disk --subdriver} against a real paused QEMU: the format is the caller's. */
class DiskCliTest extends CliAgainstQemu {

  @Override
  String smp() {
    return "1";
  }

  /** QEMU's block nodes, read over QMP once the CLI has let go of the socket. */
  private List<JsonNode> blockNodes() {
    try (Qtune q = Qtune.create(QtuneOptions.defaults().withPartition(sandbox.partition())
        .withStateDir(tmp.resolve("state")))) {
      List<JsonNode> out = new ArrayList<>();
      q.open(qemu.socket()).join().qmp().execute("query-named-block-nodes", Map.of("flat", true)).join()
          .forEach(out::add);
      return out;
    }
  }

  private static void qemuImg(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("qemu-img"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(io.qtune.testkit.TestTime.millis(60), TimeUnit.MILLISECONDS), "qemu-img did not finish");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }

  @Test
  void subdriverQcow2OpensTheImageAsQcow2AndNotTheBackingFileItNames() throws Exception {
    Path base = tmp.resolve("base.raw");
    Path overlay = tmp.resolve("overlay.qcow2");
    qemuImg("create", "-q", "-f", "raw", base.toString(), "1M");
    qemuImg("create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw", overlay.toString());

    Result r = qtune.run("attach-disk", overlay.toString(), "vdb", "--iothread", "1", "--subdriver", "qcow2");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("Disk attached successfully\n"), r.toString());

    List<JsonNode> nodes = blockNodes();
    JsonNode disk = nodes.stream().filter(n -> n.path("node-name").asText().equals("qtune-vdb")).findFirst()
        .orElseThrow(() -> new AssertionError("no qtune-vdb in " + nodes));
    assertEquals("qcow2", disk.path("drv").asText(), disk.toString());
    for (JsonNode n : nodes) {
      assertFalse(n.path("file").asText().equals(base.toString()), "backing file opened: " + n);
    }
  }

  @Test
  void aSubdriverOtherThanRawOrQcow2IsBadInputAndChangesNothing() throws Exception {
    Path img = tmp.resolve("disk.img");
    qemuImg("create", "-q", "-f", "raw", img.toString(), "1M");
    for (String format : List.of("vmdk", "QCOW2", "")) {
      Result r = qtune.run("attach-disk", img.toString(), "vdb", "--iothread", "1", "--subdriver", format);
      assertEquals(2, r.code(), format + ": " + r);
      assertTrue(r.err().startsWith("error: ") && r.err().contains("raw, qcow2"), r.toString());
      assertEquals("", r.out(), r.toString());
    }
    assertTrue(blockNodes().stream().noneMatch(n -> n.path("node-name").asText().startsWith("qtune-")),
        "a block node was left: " + blockNodes());
  }

  @Test
  void onQ35WithoutAFreePcieRootPortAttachDiskExitsTwoWithTheAdviceAndChangesNothing() throws Exception {
    qemu.close();
    qemu = QemuProcess.start("1", List.of("-machine", "q35", "-object", "iothread,id=iothread1"));
    qtune = new QtuneCommand("--qmp", qemu.socket().toString(), "--state-dir", tmp.resolve("state").toString(),
        "--partition", sandbox.partition());
    Path img = tmp.resolve("disk.img");
    qemuImg("create", "-q", "-f", "raw", img.toString(), "1M");
    Result r = qtune.run("attach-disk", img.toString(), "vdb", "--iothread", "1");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().startsWith("error: no free hotpluggable PCIe port"), r.toString());
    assertTrue(r.err().contains("-device pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0"), r.toString());
    assertTrue(blockNodes().stream().noneMatch(n -> n.path("node-name").asText().startsWith("qtune-")),
        "a block node was left: " + blockNodes());
  }
}
