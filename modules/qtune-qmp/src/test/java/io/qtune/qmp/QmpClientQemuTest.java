package io.qtune.qmp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import io.qtune.qmp.model.AddFdInfo;
import io.qtune.qmp.model.CpuInfoFast;
import io.qtune.qmp.model.HotpluggableCpu;
import io.qtune.qmp.model.IothreadInfo;
import io.qtune.qmp.model.IothreadProperties;
import io.qtune.qmp.model.StatusInfo;
import io.qtune.qmp.testing.QmpThreads;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every typed call against a real QEMU 7.2 (one shared VM; the destructive quit test has its own). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QmpClientQemuTest {
  static QemuProcess qemu;
  static QmpEventLoop loop;
  static QmpClient client;

  @BeforeAll
  static void start() {
    qemu = QemuProcess.start("4", 1, 2);
    loop = QmpEventLoop.create(1);
    client = QmpClient.connect(loop, qemu.socket(), QmpOptions.defaults()).join();
  }

  @AfterAll
  static void stopAll() {
    if (client != null) {
      client.close();
    }
    if (loop != null) {
      loop.close();
    }
    if (qemu != null) {
      qemu.close();
    }
    await().atMost(TestTime.seconds(5)).until(() -> QmpThreads.live().isEmpty());
  }

  @Test
  void epollIsAvailable() {
    assertTrue(Epoll.isAvailable(), () -> "epoll unavailable: " + Epoll.unavailabilityCause());
  }

  @Test
  void greetingNegotiatesOobAndPeerIsQemu() throws IOException {
    QmpGreeting g = client.greeting();
    assertTrue(g.offers("oob"), g.toString());
    assertTrue(client.oobEnabled());
    assertEquals(client.queryVersion().join(), g.version());
    assertTrue(g.version().atLeast(6, 0), g.version().toString());
    PeerCredentials pc = client.peerCredentials();
    assertEquals(qemu.pid(), pc.pid());
    assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"), pc.uid());
    assertEquals(qemu.socket(), client.socketPath());
    assertTrue(client.isOpen());
  }

  @Test
  void queryStatusOfPausedVm() {
    StatusInfo s = client.queryStatus().join();
    assertFalse(s.running());
    assertTrue(List.of("prelaunch", "paused").contains(s.status()), s.status());
  }

  @Test
  void queryCpusFastGivesRealVcpuThreads() {
    List<CpuInfoFast> cpus = client.queryCpusFast().join();
    assertEquals(4, cpus.size());
    for (int i = 0; i < 4; i++) {
      CpuInfoFast c = cpus.get(i);
      assertEquals(i, c.cpuIndex());
      assertEquals("x86_64", c.target());
      assertTrue(c.qomPath().startsWith("/machine/"), c.qomPath());
      assertNotNull(c.props().socketId());
      assertNotNull(c.props().coreId());
      assertNotNull(c.props().threadId());
      assertTrue(Files.isDirectory(taskDir(c.threadId())), "vCPU TID " + c.threadId() + " is a QEMU thread");
    }
  }

  @Test
  void queryHotpluggableCpusAllPlugged() {
    List<HotpluggableCpu> slots = client.queryHotpluggableCpus().join();
    assertEquals(4, slots.size());
    for (HotpluggableCpu h : slots) {
      assertEquals(1, h.vcpusCount());
      assertTrue(h.type().endsWith("-cpu"), h.type());
      assertTrue(h.plugged(), h.toString());
      assertNotNull(h.props().socketId());
    }
  }

  @Test
  void queryIothreadsListsCommandLineIothreads() {
    Map<String, IothreadInfo> byId = iothreads();
    assertTrue(byId.keySet().containsAll(List.of("iothread1", "iothread2")), byId.toString());
    IothreadInfo io1 = byId.get("iothread1");
    assertEquals(32768, io1.pollMaxNs()); // QEMU's default
    assertTrue(Files.isDirectory(taskDir(io1.threadId())));
  }

  @Test
  void objectAddStartsAThreadAndObjectDelStopsIt() {
    String id = "qtune-io-" + Long.toHexString(System.nanoTime());
    client.addIothread(IothreadProperties.of(id).withPollMaxNs(1000L).withPollGrow(2L).withPollShrink(4L)
        .withAioMaxBatch(16L).withThreadPool(1, 8)).join();
    IothreadInfo info = iothreads().get(id);
    assertNotNull(info);
    assertEquals(1000, info.pollMaxNs());
    assertEquals(2, info.pollGrow());
    assertEquals(4, info.pollShrink());
    assertEquals(16, info.aioMaxBatch());
    assertEquals(8, client.qomGet("/objects/" + id, "thread-pool-max").join().asInt());
    assertEquals(1, client.qomGet("/objects/" + id, "thread-pool-min").join().asInt());
    Path task = taskDir(info.threadId());
    assertTrue(Files.isDirectory(task), task + " should exist");

    CompletionException dup = assertThrows(CompletionException.class,
        () -> client.addIothread(IothreadProperties.of(id)).join());
    QmpCommandException e = assertInstanceOf(QmpCommandException.class, dup.getCause());
    assertEquals("object-add", e.command());
    assertEquals("GenericError", e.errorClass());
    assertTrue(e.getMessage().startsWith("QMP command 'object-add' failed on " + qemu.socket()
        + ": GenericError: "), e.getMessage());
    assertTrue(e.description().contains(id), e.description());

    client.objectDel(id).join();
    await().atMost(TestTime.seconds(5)).until(() -> !Files.exists(task));
    assertNull(iothreads().get(id));
  }

  @Test
  void badIothreadPropertiesAreRejectedBeforeSending() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IothreadProperties.of("x").withPollMaxNs(-1L));
    assertTrue(e.getMessage().contains("poll-max-ns is -1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> IothreadProperties.of("1bad"));
    assertThrows(IllegalArgumentException.class, () -> IothreadProperties.of("x").withThreadPool(9, 8));
    assertThrows(IllegalArgumentException.class, () -> client.deviceAdd(Map.of("id", "x")));
  }

  @Test
  void qomSetChangesWhatQueryIothreadsReports() {
    assertEquals(32768, client.qomGet("/objects/iothread2", "poll-max-ns").join().asLong());
    client.qomSet("/objects/iothread2", "poll-max-ns", 0).join();
    try {
      assertEquals(0, iothreads().get("iothread2").pollMaxNs());
    } finally {
      client.qomSet("/objects/iothread2", "poll-max-ns", 32768).join();
    }
    assertEquals(32768, iothreads().get("iothread2").pollMaxNs());
  }

  @Test
  void deviceAddAndDeviceDelWithDeviceDeletedEvent() {
    String suffix = Long.toHexString(System.nanoTime());
    String xhci = "xhci-" + suffix;
    String kbd = "kbd-" + suffix;
    client.deviceAdd(Map.of("driver", "qemu-xhci", "id", xhci)).join();
    client.deviceAdd(Map.of("driver", "usb-kbd", "id", kbd, "bus", xhci + ".0")).join();
    assertEquals("usb-kbd", client.qomGet("/machine/peripheral/" + kbd, "type").join().asText());

    // USB unplug needs no guest cooperation, so DEVICE_DELETED comes right away
    CompletableFuture<QmpEvent> deleted = client.awaitEvent(
        ev -> ev.name().equals("DEVICE_DELETED") && kbd.equals(ev.data().path("device").asText()),
        TestTime.seconds(10));
    client.deviceDel(kbd).join();
    QmpEvent ev = deleted.join();
    assertEquals("/machine/peripheral/" + kbd, ev.data().path("path").asText());
    assertTrue(ev.seconds() > 0);
    CompletionException gone = assertThrows(CompletionException.class,
        () -> client.qomGet("/machine/peripheral/" + kbd, "type").join());
    assertInstanceOf(QmpCommandException.class, gone.getCause());
  }

  @Test
  void blockdevAddAndDel() {
    String node = "qtune-null-" + Long.toHexString(System.nanoTime());
    client.blockdevAdd(Map.of("driver", "null-co", "node-name", node)).join();
    assertTrue(namedNodes().contains(node));
    client.blockdevDel(node).join();
    assertFalse(namedNodes().contains(node));
  }

  @Test
  void getfdPassesARealFdAndClosefdClosesIt() throws IOException {
    Path file = Files.createTempFile("qtune-qmp-getfd-", ".txt");
    FileDescriptor fd = FileDescriptor.from(file.toFile());
    List<QmpProtocolException> errors = new CopyOnWriteArrayList<>();
    QmpSubscription sub = client.onProtocolError(errors::add);
    try {
      String name = "qtunefd" + Long.toHexString(System.nanoTime());
      client.getfd(name, fd.intValue()).join();
      assertEquals(1, qemuFdsPointingAt(file).size(), "QEMU should hold the file open once");
      client.closefd(name).join();
      await().atMost(TestTime.seconds(5)).until(() -> qemuFdsPointingAt(file).isEmpty());
      // one sendmsg, no stray byte: QEMU sent no id-less "JSON parse error" reply
      assertNotNull(client.queryStatus().join());
      await().during(Duration.ofMillis(200)).atMost(TestTime.seconds(2)).until(errors::isEmpty);
    } finally {
      sub.close();
      fd.close();
      Files.deleteIfExists(file);
    }
  }

  @Test
  void addFdPutsTheFdInAnFdset() throws IOException {
    Path file = Files.createTempFile("qtune-qmp-addfd-", ".txt");
    FileDescriptor fd = FileDescriptor.from(file.toFile());
    try {
      AddFdInfo info = client.addFd(fd.intValue(), null, "qtune-test").join();
      assertEquals(file.toRealPath().toString(), readlink(qemu.pid(), info.fd()));
      JsonNode sets = client.execute("query-fdsets").join();
      assertTrue(sets.toString().contains("\"fdset-id\":" + info.fdsetId()), sets.toString());
      // QEMU closes removed fds only while the VM runs (monitor_fdset_cleanup), so just check the reply
      client.execute("remove-fd", Map.of("fdset-id", info.fdsetId())).join();
    } finally {
      fd.close();
      Files.deleteIfExists(file);
    }
  }

  @Test
  void passingAClosedFdFailsOnlyThatCommand() {
    CompletionException e = assertThrows(CompletionException.class, () -> client.getfd("bad", 99999).join());
    assertInstanceOf(QmpException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("fd 99999"), e.getCause().getMessage());
    assertNotNull(client.queryStatus().join());
  }

  @Test
  void stopAndContEmitEvents() {
    List<String> seen = new CopyOnWriteArrayList<>();
    QmpSubscription sub = client.subscribe(ev -> seen.add(ev.name()));
    try {
      CompletableFuture<QmpEvent> resume = client.awaitEvent("RESUME", TestTime.seconds(10));
      client.cont().join();
      resume.join();
      assertTrue(client.queryStatus().join().running());
      CompletableFuture<QmpEvent> stop = client.awaitEvent("STOP", TestTime.seconds(10));
      client.stop().join();
      stop.join();
      assertFalse(client.queryStatus().join().running());
      await().atMost(TestTime.seconds(5)).until(() -> seen.containsAll(List.of("RESUME", "STOP")));
      assertTrue(seen.indexOf("RESUME") < seen.indexOf("STOP"), seen.toString());
    } finally {
      sub.close();
    }
  }

  @Test
  void unknownCommandIsATypedError() {
    CompletionException e = assertThrows(CompletionException.class,
        () -> client.execute("qtune-no-such-command").join());
    QmpCommandException q = assertInstanceOf(QmpCommandException.class, e.getCause());
    assertEquals("CommandNotFound", q.errorClass());
  }

  @Test
  void genericExecuteWithMapArguments() {
    JsonNode list = client.execute("qom-list", Map.of("path", "/objects")).join();
    List<String> names = new ArrayList<>();
    list.forEach(n -> names.add(n.path("name").asText()));
    assertTrue(names.containsAll(List.of("iothread1", "iothread2")), names.toString());
  }

  @Test
  void awaitEventTimesOut() {
    CompletionException e = assertThrows(CompletionException.class,
        () -> client.awaitEvent("QTUNE_NEVER", Duration.ofMillis(100)).join());
    assertInstanceOf(QmpTimeoutException.class, e.getCause());
  }

  @Test
  void manyConcurrentCommandsAllCompleteWithinTheOobLimit() {
    List<CompletableFuture<StatusInfo>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(client.queryStatus());
    }
    all.forEach(f -> assertNotNull(f.join()));
    int max = client.maxObservedInFlight().join();
    assertTrue(max <= 8, "max in flight " + max);
  }

  @Test
  void hotplugACpuThenQuitFailsPendingCommands() throws Exception {
    try (QemuProcess vm = QemuProcess.start("4,maxcpus=6", 1, 2);
        QmpClient c = QmpClient.connect(loop, vm.socket(), QmpOptions.defaults()).join()) {
      List<HotpluggableCpu> slots = c.queryHotpluggableCpus().join();
      assertEquals(6, slots.size());
      List<HotpluggableCpu> free = slots.stream().filter(h -> !h.plugged()).collect(Collectors.toList());
      assertEquals(2, free.size());
      HotpluggableCpu slot = free.get(0);
      Map<String, Object> dev = new LinkedHashMap<>();
      dev.put("driver", slot.type());
      dev.put("id", "vcpu-hot");
      Optional.ofNullable(slot.props().socketId()).ifPresent(v -> dev.put("socket-id", v));
      Optional.ofNullable(slot.props().dieId()).ifPresent(v -> dev.put("die-id", v));
      Optional.ofNullable(slot.props().coreId()).ifPresent(v -> dev.put("core-id", v));
      Optional.ofNullable(slot.props().threadId()).ifPresent(v -> dev.put("thread-id", v));
      c.deviceAdd(dev).join();
      List<CpuInfoFast> cpus = c.queryCpusFast().join();
      assertEquals(5, cpus.size());
      assertTrue(Files.isDirectory(Path.of("/proc", Long.toString(vm.pid()), "task",
          Long.toString(cpus.get(4).threadId()))));

      CompletableFuture<Void> quit = c.quit();
      List<CompletableFuture<StatusInfo>> after = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        after.add(c.queryStatus());
      }
      c.closeFuture().get(TestTime.millis(10), TimeUnit.MILLISECONDS);
      assertFalse(c.isOpen());
      quit.handle((v, e) -> e == null ? null : assertClosed(vm, e)).join();
      long failed = after.stream().filter(CompletableFuture::isCompletedExceptionally).count();
      assertTrue(failed > 0, "commands still pending when QEMU exited must fail");
      for (CompletableFuture<StatusInfo> f : after) {
        f.handle((v, e) -> e == null ? null : assertClosed(vm, e)).join();
      }
      assertTrue(vm.awaitExit(TestTime.millis(10), TimeUnit.MILLISECONDS));
      // a command after close fails at once with the same reason
      CompletionException late = assertThrows(CompletionException.class, () -> c.queryStatus().join());
      assertClosed(vm, late.getCause());
    }
  }

  private static Void assertClosed(QemuProcess vm, Throwable e) {
    Throwable cause = e instanceof CompletionException ? e.getCause() : e;
    QmpConnectionClosedException closed = assertInstanceOf(QmpConnectionClosedException.class, cause);
    assertTrue(closed.getMessage().contains(vm.socket().toString()), closed.getMessage());
    return null;
  }

  private static Map<String, IothreadInfo> iothreads() {
    return client.queryIothreads().join().stream()
        .collect(Collectors.toMap(IothreadInfo::id, i -> i));
  }

  private static List<String> namedNodes() {
    List<String> names = new ArrayList<>();
    client.execute("query-named-block-nodes").join().forEach(n -> names.add(n.path("node-name").asText()));
    return names;
  }

  private static Path taskDir(long tid) {
    return Path.of("/proc", Long.toString(qemu.pid()), "task", Long.toString(tid));
  }

  private static String readlink(long pid, int fd) throws IOException {
    return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd))).toString();
  }

  private static List<Path> qemuFdsPointingAt(Path file) throws IOException {
    String target = file.toRealPath().toString();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(qemu.pid()), "fd"))) {
      return fds.filter(p -> {
        try {
          return Files.readSymbolicLink(p).toString().equals(target);
        } catch (IOException e) {
          return false; // fd closed while listing
        }
      }).collect(Collectors.toList());
    }
  }
}
