package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.CgroupSandbox;
import io.qtune.core.testing.QemuProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * attach-disk and iothreaddel against a real QEMU: the image format is the caller's, never probed;
 * a qcow2 image's backing file is never opened; q35 disks land on a free pcie-root-port.
 */
@Tag("v2")
class DiskSafetyTest {
  @TempDir Path state;
  CgroupSandbox sandbox;
  Qtune qtune;
  final List<QemuProcess> qemus = new ArrayList<>();

  @BeforeEach
  void start() {
    sandbox = new CgroupSandbox("disktest");
    qtune = Qtune.create(QtuneOptions.defaults().withPartition(sandbox.partition()).withStateDir(state));
  }

  @AfterEach
  void stop() {
    try {
      qtune.close();
    } finally {
      try {
        qemus.forEach(QemuProcess::close);
      } finally {
        sandbox.close();
      }
    }
  }

  /** A paused QEMU ({@code -machine pc} unless {@code extra} names another) with iothread1, attached. */
  Vm vm(String... extra) {
    List<String> args = new ArrayList<>(List.of("-object", "iothread,id=iothread1"));
    args.addAll(List.of(extra));
    QemuProcess q = QemuProcess.start("1", args);
    qemus.add(q);
    return qtune.attach(q.socket(), SpecReader.parse("{\"name\":\"disktest\"}")).join();
  }

  static List<JsonNode> blockNodes(Vm vm) {
    List<JsonNode> out = new ArrayList<>();
    vm.qmp().execute("query-named-block-nodes", Map.of("flat", true)).join().forEach(out::add);
    return out;
  }

  static JsonNode node(Vm vm, String name) {
    return blockNodes(vm).stream().filter(n -> n.path("node-name").asText().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no block node " + name + " in " + blockNodes(vm)));
  }

  /**
   * No block node has {@code file} open (a followed backing file shows up as an auto-named node on
   * it; {@code backing_file_depth} is 0 in the flat listing either way, so it proves nothing).
   */
  static void assertNotOpened(Vm vm, Path file) {
    for (JsonNode n : blockNodes(vm)) {
      assertFalse(n.path("file").asText().equals(file.toString()), file + " opened by QEMU: " + n);
    }
  }

  /** qemu-img (Debian: qemu-utils), e.g. {@code create -f qcow2 -b BASE -F raw FILE}. */
  static void qemuImg(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("qemu-img"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("qemu-img is needed (apt-get install qemu-utils): " + e, e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "qemu-img did not finish");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }

  // ---------------------------------------------------------------- format: the caller's, never probed

  @Test
  void aRawImageThatLooksLikeQcow2IsAttachedAsRawAndItsBackingFileIsNotOpened() throws Exception {
    // what a guest can write into its own raw disk: a qcow2 header naming a host file as backing
    Path img = state.resolve("guest-written.raw");
    qemuImg("create", "-q", "-f", "qcow2", "-b", "/etc/hostname", "-F", "raw", img.toString(), "1M");
    byte[] head = Files.readAllBytes(img);
    assertEquals("QFI", new String(head, 0, 3, StandardCharsets.US_ASCII), "the file starts with qcow2's magic");

    Vm vm = vm();
    vm.attachDisk(img, "vdb", 1).join();

    JsonNode disk = node(vm, "qtune-vdb");
    assertEquals("raw", disk.path("drv").asText(), "no format given means raw, as libvirt: " + disk);
    for (JsonNode n : blockNodes(vm)) {
      assertFalse(n.path("backing_file").asText().contains("/etc/hostname"), "backing file named: " + n);
    }
    assertNotOpened(vm, Path.of("/etc/hostname"));
  }
}
