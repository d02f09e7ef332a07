package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.core.spec.SpecReader;
import io.qtune.qmp.QmpConnectException;
import io.qtune.qmp.QmpOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.LyingQmpServer;
import io.qtune.testkit.QemuProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * attach-disk and iothreaddel against a real QEMU: the image format is the caller's, never probed;
 * a qcow2 image's backing file is never opened; q35 disks land on a free pcie-root-port.
 */
// not in the v2 lane: disks are QMP and block-layer behaviour, the same on every cgroup version,
// and the q35 firmware test would boot SeaBIOS under the lane's nested TCG
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
    // one name per running VM (QemuProcess waits until QEMU accepts on its socket)
    return qtune.attach(q.socket(), SpecReader.parse("{\"name\":\"disktest" + qemus.size() + "\"}")).join();
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
    assertTrue(p.waitFor(io.qtune.testkit.TestTime.millis(60), TimeUnit.MILLISECONDS), "qemu-img did not finish");
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
    vm.disks().attach(img, "vdb", 1).join();

    JsonNode disk = node(vm, "qtune-vdb");
    assertEquals("raw", disk.path("drv").asText(), "no format given means raw, as libvirt: " + disk);
    for (JsonNode n : blockNodes(vm)) {
      assertFalse(n.path("backing_file").asText().contains("/etc/hostname"), "backing file named: " + n);
    }
    assertNotOpened(vm, Path.of("/etc/hostname"));
  }

  @Test
  void aQcow2ImageIsAttachedAsQcow2WhenTheCallerSaysSo() throws Exception {
    Path img = state.resolve("disk.qcow2");
    qemuImg("create", "-q", "-f", "qcow2", img.toString(), "1M");
    Vm vm = vm();
    vm.disks().attach(img, "vdb", 1, DiskFormat.QCOW2).join();
    assertEquals("qcow2", node(vm, "qtune-vdb").path("drv").asText());
    var io = vm.qmp().qomGet("/machine/peripheral/vdb", "iothread").join();
    assertTrue(io.asText().endsWith("iothread1"), "device vdb served by iothread1: " + io);
  }

  @Test
  void theBackingFileAQcow2ImageNamesIsNeverOpened() throws Exception {
    Path base = state.resolve("base.raw");
    Path overlay = state.resolve("overlay.qcow2");
    qemuImg("create", "-q", "-f", "raw", base.toString(), "1M");
    qemuImg("create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw", overlay.toString());
    Vm vm = vm();
    vm.disks().attach(overlay, "vdb", 1, DiskFormat.QCOW2).join();
    assertEquals("qcow2", node(vm, "qtune-vdb").path("drv").asText());
    assertNotOpened(vm, base);
  }

  @Test
  void aQcow2ImageWithAnExternalDataFileIsRefusedAndNothingIsLeft() throws Exception {
    // QEMU opens a data file named in the header by itself; it cannot be refused up front
    Path data = state.resolve("data.raw");
    Path img = state.resolve("external.qcow2");
    qemuImg("create", "-q", "-f", "qcow2", "-o", "data_file=" + data, img.toString(), "1M");
    Vm vm = vm();
    CompletionException e = assertThrows(CompletionException.class,
        () -> vm.disks().attach(img, "vdb", 1, DiskFormat.QCOW2).join());
    assertInstanceOf(InvalidInputException.class, e.getCause(), e.getCause().toString());
    assertTrue(e.getCause().getMessage().contains("external data file"), e.getCause().getMessage());
    assertNoQtuneNodes(vm);
    assertNotOpened(vm, data);
    assertFalse(vm.qmp().execute("qom-list", Map.of("path", "/machine/peripheral")).join().toString()
        .contains("\"vdb\""), "no device vdb");
  }

  @Test
  void aFormatOtherThanRawOrQcow2IsBadInputAndNothingChanges() throws Exception {
    for (String name : List.of("vmdk", "QCOW2", "", "qcow")) {
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> DiskFormat.of(name));
      assertTrue(e.getMessage().contains("allowed: raw, qcow2"), e.getMessage());
    }
    assertEquals(DiskFormat.RAW, DiskFormat.of("raw"));
    assertEquals(DiskFormat.QCOW2, DiskFormat.of("qcow2"));
    Path img = state.resolve("disk.raw");
    qemuImg("create", "-q", "-f", "raw", img.toString(), "1M");
    Vm vm = vm();
    CompletionException e = assertThrows(CompletionException.class,
        () -> vm.disks().attach(img, "vdb", 1, null).join());
    assertInstanceOf(InvalidInputException.class, e.getCause());
    assertNoQtuneNodes(vm);
  }

  static void assertNoQtuneNodes(Vm vm) {
    List<JsonNode> nodes = blockNodes(vm);
    assertTrue(nodes.stream().noneMatch(n -> n.path("node-name").asText().startsWith("qtune-")),
        "a qtune block node was left: " + nodes);
  }

  // ---------------------------------------------------------------- q35: hotplug into a free pcie-root-port

  static final String[] Q35_RP1_BUSY_RP2_FREE = {"-machine", "q35",
      "-device", "pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0",
      "-device", "pcie-root-port,id=rp2,chassis=2,slot=2,bus=pcie.0",
      "-device", "virtio-rng-pci,id=rng0,bus=rp1"};

  static String parentBus(Vm vm, String id) {
    return vm.qmp().qomGet("/machine/peripheral/" + id, "parent_bus").join().asText();
  }

  @Test
  void onQ35TheDiskIsHotpluggedIntoAFreePcieRootPort() throws Exception {
    Path img = state.resolve("disk.raw");
    qemuImg("create", "-q", "-f", "raw", img.toString(), "1M");
    Vm vm = vm(Q35_RP1_BUSY_RP2_FREE);
    vm.disks().attach(img, "vdb", 1).join();
    assertEquals("/machine/peripheral/rp2/rp2", parentBus(vm, "vdb"), "on the free port, not rp1 (rng0 is there)");
    assertEquals("/machine/peripheral/rp1/rp1", parentBus(vm, "rng0"));
    var io = vm.qmp().qomGet("/machine/peripheral/vdb", "iothread").join();
    assertTrue(io.asText().endsWith("iothread1"), io.toString());

    // now every port is taken: the next disk is refused up front, with the way out
    Path img2 = state.resolve("disk2.raw");
    qemuImg("create", "-q", "-f", "raw", img2.toString(), "1M");
    CompletionException e = assertThrows(CompletionException.class, () -> vm.disks().attach(img2, "vdc", 1).join());
    assertInstanceOf(InvalidInputException.class, e.getCause(), e.getCause().toString());
    assertTrue(e.getCause().getMessage().contains("-device pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0"),
        e.getCause().getMessage());
    assertTrue(blockNodes(vm).stream().noneMatch(n -> n.path("node-name").asText().startsWith("qtune-vdc")),
        "vdc's nodes left: " + blockNodes(vm));
  }

  @Test
  void onQ35QueryPciShowsTheDiskBehindTheRootPortOnceFirmwareNumberedTheBuses() throws Exception {
    Path img = state.resolve("disk.raw");
    qemuImg("create", "-q", "-f", "raw", img.toString(), "1M");
    Vm vm = vm("-machine", "q35", "-device", "pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0");
    // query-pci lists what is behind a bridge only once the firmware gave its bus a number
    vm.qmp().cont().join();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(300))
        .until(() -> rootPort(vm, "rp1").path("pci_bridge").path("bus").path("secondary").asInt() > 0);
    vm.disks().attach(img, "vdb", 1).join();
    JsonNode behind = rootPort(vm, "rp1").path("pci_bridge").path("devices");
    assertEquals(1, behind.size(), behind.toString());
    assertEquals("vdb", behind.get(0).path("qdev_id").asText(), behind.toString());
  }

  static JsonNode rootPort(Vm vm, String id) {
    for (JsonNode bus : vm.qmp().execute("query-pci").join()) {
      for (JsonNode dev : bus.path("devices")) {
        if (id.equals(dev.path("qdev_id").asText())) {
          return dev;
        }
      }
    }
    throw new AssertionError("no " + id + " in query-pci");
  }

  @Test
  void onQ35WithEveryPortBusyOrNoPortAtAllTheDiskIsRefusedWithTheAdviceAndNothingIsLeft() throws Exception {
    Path img = state.resolve("disk.raw");
    qemuImg("create", "-q", "-f", "raw", img.toString(), "1M");
    for (String[] machine : List.of(
        new String[] {"-machine", "q35", "-device", "pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0",
            "-device", "virtio-rng-pci,id=rng0,bus=rp1"},
        new String[] {"-machine", "q35"})) {
      Vm vm = vm(machine);
      CompletionException e = assertThrows(CompletionException.class, () -> vm.disks().attach(img, "vdb", 1).join());
      assertInstanceOf(InvalidInputException.class, e.getCause(), e.getCause().toString());
      String msg = e.getCause().getMessage();
      assertTrue(msg.contains("no free hotpluggable PCIe port"), msg);
      assertTrue(msg.contains("-device pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0"), msg);
      assertNoQtuneNodes(vm);
      assertFalse(vm.qmp().execute("qom-list", Map.of("path", "/machine/peripheral")).join().toString()
          .contains("\"vdb\""), "no device vdb");
    }
  }

  // ---------------------------------------------------------------- iothreaddel fails closed

  /**
   * A liar that says device vdb exists and answers {@code qom-get} (vdb's iothread) with
   * {@code fault}. Its "threads" are this JVM's main thread (the peer pid), so discovery trusts them;
   * the VM is opened, not attached, so no thread is moved anywhere.
   */
  void deleteIothreadFailsClosed(LyingQmpServer.Reply fault, String expected) throws Exception {
    long me = ProcessHandle.current().pid();
    try (LyingQmpServer liar = LyingQmpServer.scripted(state.resolve("liar.sock"), Map.of(
            "query-cpus-fast", LyingQmpServer.Reply.ok("[{\"cpu-index\": 0, \"qom-path\": "
                + "\"/machine/unattached/device[0]\", \"thread-id\": " + me + ", \"target\": \"x86_64\"}]"),
            "query-iothreads", LyingQmpServer.Reply.ok("[{\"id\": \"iothread1\", \"thread-id\": " + me
                + ", \"poll-max-ns\": 32768, \"poll-grow\": 0, \"poll-shrink\": 0, \"aio-max-batch\": 0}]"),
            "query-name", LyingQmpServer.Reply.ok("{\"name\": \"liar\"}"),
            "qom-list", LyingQmpServer.Reply.ok("[{\"name\": \"type\", \"type\": \"string\"}, "
                + "{\"name\": \"vdb\", \"type\": \"child<virtio-blk-pci>\"}]"),
            "qom-get", fault,
            "object-del", LyingQmpServer.Reply.ok("{}")));
        Qtune q = Qtune.create(QtuneOptions.defaults().withPartition(sandbox.partition()).withStateDir(state)
            // the stall case waits this long for qom-get; the liar answers everything else at once
            .withQmp(QmpOptions.defaults().withCommandTimeout(Duration.ofSeconds(10))))) {
      Vm vm = q.open(liar.socket()).join();
      CompletionException e = assertThrows(CompletionException.class, () -> vm.iothreads().delete(1).join());
      assertInstanceOf(OperationFailedException.class, e.getCause(), e.getCause().toString());
      String msg = e.getCause().getMessage();
      assertTrue(msg.contains("iothread1") || msg.contains("IOThread 1"), msg);
      assertTrue(msg.contains("vdb"), msg);
      assertTrue(msg.contains(expected), msg);
      assertTrue(liar.received().contains("qom-get"), liar.received().toString());
      assertFalse(liar.received().contains("object-del"), "object-del was sent: " + liar.received());
    }
  }

  @Test
  void iothreaddelIsRefusedWhenQomGetFailsWithAnotherError() throws Exception {
    deleteIothreadFailsClosed(LyingQmpServer.Reply.error("GenericError", "Device is busy"), "Device is busy");
    deleteIothreadFailsClosed(LyingQmpServer.Reply.error("DeviceNotFound",
        "Device '/machine/peripheral/vdb' not found"), "not found");
    // the right words about the wrong property are not "no iothread" either
    deleteIothreadFailsClosed(LyingQmpServer.Reply.error("GenericError",
        "Property 'virtio-blk-pci.iothread-vq-mapping' not found"), "iothread-vq-mapping");
  }

  @Test
  void iothreaddelIsRefusedWhenQomGetTimesOut() throws Exception {
    deleteIothreadFailsClosed(LyingQmpServer.Reply.stall(), "qom-get");
  }

  @Test
  void iothreaddelIsRefusedWhenTheConnectionClosesDuringQomGet() throws Exception {
    deleteIothreadFailsClosed(LyingQmpServer.Reply.hangUp(), "vdb");
  }

  @Test
  void aDiskWithoutAnIdStillKeepsItsIothreadFromBeingDeleted() throws Exception {
    Path img = state.resolve("anon.raw");
    qemuImg("create", "-q", "-f", "raw", img.toString(), "1M");
    // -device without id= lives under /machine/peripheral-anon
    Vm vm = vm("-blockdev", "driver=file,node-name=anon0,filename=" + img,
        "-device", "virtio-blk-pci,drive=anon0,iothread=iothread1");
    CompletionException e = assertThrows(CompletionException.class, () -> vm.iothreads().delete(1).join());
    assertInstanceOf(InvalidInputException.class, e.getCause(), e.getCause().toString());
    assertTrue(e.getCause().getMessage().contains("peripheral-anon"), e.getCause().getMessage());
    assertEquals(1, vm.qmp().queryIothreads().join().size(), "iothread1 still there");
  }

  @Test
  void devicesWithoutAnIothreadPropertyDoNotBlockIothreaddel() throws Exception {
    // rp1 and rng0 answer qom-get iothread with QEMU's "Property '...iothread' not found"
    Vm vm = vm(Q35_RP1_BUSY_RP2_FREE);
    vm.iothreads().delete(1).join();
    assertEquals(0, vm.qmp().queryIothreads().join().size());
  }
}
