package io.qtune.qmp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.ChannelException;
import io.qtune.qmp.testing.FakeQmpServer;
import io.qtune.qmp.testing.OpenSockets;
import io.qtune.qmp.testing.QmpThreads;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults a real QEMU will not produce, from a scripted jnr-unixsocket server. Every case must end
 * in delivery or a typed error, with no hang (class timeout) and no leaked channel, fd or thread.
 * Leaks are checked from outside the client: the server reads EOF on its end, and no socket fd
 * opened by the test is left in {@code /proc/self/fd}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QmpClientFaultTest {
  /** Generous: the suite may run in an emulated lane 20x slower than the build host. */
  private static final Duration EVENTUALLY = Duration.ofSeconds(60);
  /** For the cases that wait for the setup timeout to expire. */
  private static final QmpOptions SHORT_SETUP = QmpOptions.defaults().withConnectTimeout(Duration.ofMillis(500));
  /** Everywhere else: a setup that merely ran slow must not fail the test. */
  private static final QmpOptions PATIENT = QmpOptions.defaults().withConnectTimeout(EVENTUALLY)
      .withCommandTimeout(EVENTUALLY);

  private QmpEventLoop loop;
  private FakeQmpServer server;
  private QmpClient client;

  @BeforeEach
  void createLoop() {
    loop = QmpEventLoop.create(1);
  }

  @AfterEach
  void nothingLeaks() throws Exception {
    QmpClient.peerCredentialsFault = UnaryOperator.identity();
    if (client != null) {
      client.close(); // waits only 2 s for closeFuture: too short for a slow lane
      await().atMost(EVENTUALLY).until(client.closeFuture()::isDone);
      if (!server.closedByScript()) {
        assertServerSawClientClose();
      }
    }
    loop.close();
    if (server != null) {
      server.close();
      assertFalse(server.isRunning());
    }
    await().atMost(EVENTUALLY).until(() -> QmpThreads.live().isEmpty());
  }

  private QmpClient connect(QmpOptions options) {
    client = QmpClient.connect(loop, server.socketPath(), options).join();
    return client;
  }

  private static Throwable failure(CompletableFuture<?> f) {
    CompletionException e = assertThrows(CompletionException.class, f::join);
    return e.getCause();
  }

  /**
   * The client closed its fd: the server's script read EOF on the accepted socket. (A client that
   * only marked itself closed, or leaked the channel, leaves the server reading forever.)
   */
  private void assertServerSawClientClose() {
    await("server " + server.socketPath() + " reads EOF from the client").atMost(EVENTUALLY)
        .until(server::sawClientClose);
  }

  /** A connect that failed left no socket fd behind (the server's end included, once it saw EOF). */
  private static void assertNoSocketLeft(Set<String> before) {
    await("socket fds back to the baseline").atMost(EVENTUALLY).untilAsserted(() -> {
      List<String> left = OpenSockets.openedSince(before);
      assertTrue(left.isEmpty(), "sockets opened by the test and still open: " + left);
    });
  }

  @Test
  void noGreeting() {
    server = FakeQmpServer.start(c -> c.awaitEof());
    Set<String> sockets = OpenSockets.snapshot();
    Throwable e = failure(QmpClient.connect(loop, server.socketPath(), SHORT_SETUP));
    QmpTimeoutException t = assertInstanceOf(QmpTimeoutException.class, e);
    assertEquals("(greeting)", t.command());
    assertTrue(t.getMessage().contains(server.socketPath().toString()), t.getMessage());
    assertTrue(t.getMessage().contains("one client at a time"), t.getMessage());
    assertServerSawClientClose();
    assertNoSocketLeft(sockets);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Welcome to the HMP monitor", "{\"return\": {}}", "{\"QMP\": {\"version\": 7}}"})
  void garbageGreeting(String greeting) {
    server = FakeQmpServer.start(c -> {
      c.send(greeting);
      c.awaitEof();
    });
    Set<String> sockets = OpenSockets.snapshot();
    Throwable e = failure(QmpClient.connect(loop, server.socketPath(), PATIENT));
    QmpProtocolException p = assertInstanceOf(QmpProtocolException.class, e);
    assertTrue(p.getMessage().contains(server.socketPath().toString()), p.getMessage());
    assertServerSawClientClose();
    assertNoSocketLeft(sockets);
  }

  @Test
  void greetingThenSilence() {
    server = FakeQmpServer.start(c -> {
      c.send(FakeQmpServer.GREETING_OOB);
      c.readCommand();
      c.awaitEof();
    });
    Set<String> sockets = OpenSockets.snapshot();
    Throwable e = failure(QmpClient.connect(loop, server.socketPath(), SHORT_SETUP));
    assertEquals("qmp_capabilities", assertInstanceOf(QmpTimeoutException.class, e).command());
    assertServerSawClientClose();
    assertNoSocketLeft(sockets);
  }

  @Test
  void eofBeforeGreeting() {
    server = FakeQmpServer.start(c -> c.close());
    Set<String> sockets = OpenSockets.snapshot();
    Throwable e = failure(QmpClient.connect(loop, server.socketPath(), PATIENT));
    assertTrue(e instanceof QmpConnectionClosedException, e.toString());
    assertNoSocketLeft(sockets);
  }

  @Test
  void missingSocket() {
    server = FakeQmpServer.start(c -> { });
    Set<String> sockets = OpenSockets.snapshot();
    Throwable e = failure(QmpClient.connect(loop, server.socketPath().resolveSibling("nope.sock"), PATIENT));
    QmpConnectException c = assertInstanceOf(QmpConnectException.class, e);
    assertTrue(c.getMessage().contains("nope.sock"), c.getMessage());
    assertNoSocketLeft(sockets);
  }

  @Test
  void refused(@TempDir Path dir) throws IOException {
    Path stale = dir.resolve("stale.sock"); // the file of a monitor whose QEMU is gone: ECONNREFUSED
    try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      gone.bind(UnixDomainSocketAddress.of(stale));
    }
    Set<String> sockets = OpenSockets.snapshot();
    Throwable e = failure(QmpClient.connect(loop, stale, PATIENT));
    QmpConnectException c = assertInstanceOf(QmpConnectException.class, e);
    assertTrue(c.getMessage().contains(stale.toString()), c.getMessage());
    assertTrue(c.getMessage().contains("refused"), c.getMessage());
    assertNoSocketLeft(sockets);
  }

  /**
   * What Netty raises when getsockopt(SO_PEERCRED) fails, and when the fd is already closed; each
   * with a server that greets (only the credentials can fail the connect) and one that stays
   * silent (nothing but the client's own close can free the socket).
   */
  static Stream<Arguments> peerCredentialsFailures() {
    Stream.Builder<Arguments> cases = Stream.builder();
    for (boolean greets : new boolean[] {true, false}) {
      cases.add(Arguments.of(new ChannelException("getsockopt() failed: Bad file descriptor"),
          "getsockopt() failed: Bad file descriptor", greets));
      cases.add(Arguments.of(new ClosedChannelException(), "ClosedChannelException", greets));
    }
    return cases.build();
  }

  @ParameterizedTest(name = "{0}, server greets: {2}")
  @MethodSource("peerCredentialsFailures")
  void peerCredentialsReadFailureFailsTheConnect(Exception fault, String inMessage, boolean greets) {
    server = FakeQmpServer.start(c -> {
      if (greets) {
        c.greet(FakeQmpServer.GREETING_OOB);
      }
      c.awaitEof();
    });
    Path socket = server.socketPath();
    AtomicInteger realReads = new AtomicInteger();
    QmpClient.peerCredentialsFault = real -> (path, ch) -> {
      io.netty.channel.unix.PeerCredentials pc = real.read(path, ch); // the real getsockopt still runs
      if (!path.equals(socket)) {
        return pc;
      }
      realReads.incrementAndGet();
      if (fault instanceof IOException) {
        throw (IOException) fault;
      }
      throw (RuntimeException) fault;
    };
    Set<String> sockets = OpenSockets.snapshot();
    CompletableFuture<QmpClient> connecting = QmpClient.connect(loop, socket, PATIENT);
    Throwable e = failure(connecting);
    QmpPeerCredentialsException p = assertInstanceOf(QmpPeerCredentialsException.class, e);
    assertEquals(socket, p.socketPath());
    assertTrue(p.getMessage().contains(socket.toString()), p.getMessage());
    assertTrue(p.getMessage().contains("SO_PEERCRED"), p.getMessage());
    assertTrue(p.getMessage().contains(inMessage), p.getMessage());
    assertSame(fault, p.getCause());
    assertEquals(1, realReads.get());
    assertServerSawClientClose();
    assertNoSocketLeft(sockets);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"return\": {\"status\": \"bogus\", \"running\": false}, \"id\": \"nope\"}",
      "{\"return\": {\"status\": \"bogus\", \"running\": false}, \"id\": 12345}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray ''\"}}"})
  void replyWithUnknownOrNoIdIsReportedAndNeverDelivered(String badReply) {
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      JsonNode cmd = c.readCommand();
      c.send(badReply);
      c.reply(cmd, "{\"status\": \"running\", \"running\": true}");
      c.awaitEof();
    });
    connect(PATIENT);
    List<QmpProtocolException> errors = new CopyOnWriteArrayList<>();
    client.onProtocolError(errors::add);
    assertEquals("running", client.queryStatus().join().status());
    await().atMost(EVENTUALLY).until(() -> errors.size() == 1);
    String msg = errors.get(0).getMessage();
    assertTrue(msg.contains(server.socketPath().toString()), msg);
    assertTrue(msg.contains("without an id") || msg.contains("matches no command"), msg);
    assertTrue(client.isOpen());
  }

  @Test
  void malformedJsonMidStreamClosesAndFailsPending() {
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      c.reply(c.readCommand(), "{\"status\": \"running\", \"running\": true}");
      c.readCommand();
      c.send("{\"return\": {,,}");
      c.awaitEof();
    });
    connect(PATIENT);
    assertTrue(client.queryStatus().join().running());
    Throwable e = failure(client.queryStatus());
    QmpConnectionClosedException closed = assertInstanceOf(QmpConnectionClosedException.class, e);
    QmpProtocolException cause = assertInstanceOf(QmpProtocolException.class, closed.getCause());
    assertTrue(cause.getMessage().startsWith("Malformed JSON from QMP server " + server.socketPath()),
        cause.getMessage());
    assertServerSawClientClose();
    assertFalse(client.isOpen());
  }

  @Test
  void lineLongerThanFrameLimitClosesAndFailsPending() {
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      JsonNode cmd = c.readCommand();
      c.readCommand();
      c.reply(cmd, "\"" + "x".repeat(10_000) + "\"");
      c.awaitEof();
    });
    connect(PATIENT.withMaxFrameBytes(4096));
    CompletableFuture<JsonNode> first = client.execute("qom-get");
    CompletableFuture<JsonNode> second = client.execute("query-status");
    for (CompletableFuture<JsonNode> f : List.of(first, second)) {
      QmpConnectionClosedException closed = assertInstanceOf(QmpConnectionClosedException.class, failure(f));
      assertTrue(closed.getMessage().contains("longer than 4096 bytes"), closed.getMessage());
      assertInstanceOf(QmpProtocolException.class, closed.getCause());
    }
    assertServerSawClientClose();
  }

  @Test
  void partialLineThenEof() {
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      c.readCommand();
      c.sendRaw("{\"return\": {}, \"id\"".getBytes());
      c.close();
    });
    connect(PATIENT);
    Throwable e = failure(client.queryStatus());
    QmpConnectionClosedException closed = assertInstanceOf(QmpConnectionClosedException.class, e);
    assertTrue(closed.getMessage().contains("QEMU closed the connection ("), closed.getMessage());
    await().atMost(EVENTUALLY).until(() -> !client.isOpen());
  }

  @Test
  void eofWithCommandsPendingFailsAllAtOnce() {
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      for (int i = 0; i < 3; i++) {
        c.readCommand();
      }
      c.close();
    });
    connect(PATIENT.withCommandTimeout(Duration.ofMinutes(5)));
    List<CompletableFuture<JsonNode>> pending = new ArrayList<>();
    for (int i = 0; i < 10; i++) { // 3 reach the server, 7 still queued in the client
      pending.add(client.execute("query-status"));
    }
    for (CompletableFuture<JsonNode> f : pending) {
      QmpConnectionClosedException closed = assertInstanceOf(QmpConnectionClosedException.class, failure(f));
      // EOF, or EPIPE when the client was still writing the commands the server never read
      assertTrue(closed.getMessage().startsWith("QMP connection to " + server.socketPath()
          + " closed: QEMU closed the connection ("), closed.getMessage());
      assertEquals(server.socketPath(), closed.socketPath());
    }
    // the pending futures fail on the I/O thread just before closeFuture completes there
    await().atMost(EVENTUALLY).until(client.closeFuture()::isDone);
  }

  @Test
  void eventsInterleavedWithOutOfOrderReplies() {
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      JsonNode a = c.readCommand();
      JsonNode b = c.readCommand();
      c.event("E1", "{\"n\": 1}");
      c.reply(b, "{\"who\": \"b\"}");
      c.event("E2", "{\"n\": 2}");
      c.reply(a, "{\"who\": \"a\"}");
      c.event("E3", null);
      c.awaitEof();
    });
    connect(PATIENT);
    List<QmpEvent> events = new CopyOnWriteArrayList<>();
    client.subscribe(events::add);
    CompletableFuture<QmpEvent> e2 = client.awaitEvent(ev -> ev.data().path("n").asInt() == 2,
        Duration.ofMinutes(1));
    CompletableFuture<JsonNode> a = client.execute("cmd-a");
    CompletableFuture<JsonNode> b = client.execute("cmd-b");
    assertEquals("a", a.join().path("who").asText());
    assertEquals("b", b.join().path("who").asText());
    assertEquals("E2", e2.join().name());
    await().atMost(EVENTUALLY).until(() -> events.size() == 3);
    assertEquals(List.of("E1", "E2", "E3"), events.stream().map(QmpEvent::name).toList());
    QmpEvent first = events.get(0);
    assertEquals(1700000000L, first.seconds());
    assertEquals(42L, first.microseconds());
    assertTrue(events.get(2).data().isEmpty());
  }

  /**
   * Timeouts run on one timer per connection, armed for the earliest deadline: a command sent after
   * another but with a shorter timeout re-arms it earlier and times out first, the other stays due.
   */
  @Test
  void aLaterCommandWithAShorterTimeoutTimesOutFirst() throws Exception {
    CountDownLatch checked = new CountDownLatch(1);
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      c.readCommand();
      c.readCommand();
      checked.await(); // never replies
      c.awaitEof();
    });
    connect(PATIENT);
    CompletableFuture<JsonNode> longer = client.execute("longer", (java.util.Map<String, ?>) null, EVENTUALLY);
    CompletableFuture<JsonNode> shorter = client.execute("shorter", (java.util.Map<String, ?>) null,
        Duration.ofMillis(100));
    QmpTimeoutException t = assertInstanceOf(QmpTimeoutException.class, failure(shorter));
    assertEquals("shorter", t.command());
    assertEquals(Duration.ofMillis(100), t.timeout());
    assertFalse(longer.isDone(), "the longer timeout is not due: its command still waits for QEMU");
    checked.countDown();
  }

  @Test
  void replyThatNeverComesTimesOutAndTheLateReplyIsDropped() throws Exception {
    CountDownLatch timedOut = new CountDownLatch(1);
    List<String> seenByServer = new CopyOnWriteArrayList<>();
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_NO_OOB);
      JsonNode slow = c.readCommand();
      seenByServer.add(slow.path("execute").asText());
      timedOut.await();
      c.reply(slow, "{\"late\": true}"); // without OOB the next command is only sent after this
      JsonNode next = c.readCommand();
      seenByServer.add(next.path("execute").asText());
      c.reply(next, "{\"late\": false}");
      c.awaitEof();
    });
    connect(PATIENT);
    List<QmpProtocolException> errors = new CopyOnWriteArrayList<>();
    client.onProtocolError(errors::add);
    CompletableFuture<JsonNode> slow = client.execute("slow", (java.util.Map<String, ?>) null,
        Duration.ofMillis(200));
    CompletableFuture<JsonNode> next = client.execute("next");
    QmpTimeoutException t = assertInstanceOf(QmpTimeoutException.class, failure(slow));
    assertEquals("slow", t.command());
    assertEquals(Duration.ofMillis(200), t.timeout());
    assertTrue(t.getMessage().contains("200 ms"), t.getMessage());
    assertFalse(next.isDone(), "QEMU still holds the timed-out command, so the next one waits");
    timedOut.countDown();
    assertFalse(next.join().path("late").asBoolean());
    assertEquals(List.of("slow", "next"), seenByServer);
    assertTrue(errors.isEmpty(), errors.toString());
  }

  @Test
  void floodOfTenThousandEventsWithSlowAndThrowingSubscribers() throws Exception {
    int n = 10_000;
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      JsonNode cmd = c.readCommand();
      StringBuilder batch = new StringBuilder();
      for (int i = 0; i < n; i++) {
        batch.append("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"FLOOD\", "
            + "\"data\": {\"n\": ").append(i).append("}}\r\n");
      }
      c.sendRaw(batch.toString().getBytes());
      c.reply(cmd, "{}");
      c.awaitEof();
    });
    connect(PATIENT);
    AtomicInteger next = new AtomicInteger();
    List<String> outOfOrder = new CopyOnWriteArrayList<>();
    client.subscribe(ev -> {
      int i = ev.data().path("n").asInt();
      if (!next.compareAndSet(i, i + 1)) {
        outOfOrder.add(i + "");
      }
    });
    AtomicInteger thrown = new AtomicInteger();
    client.subscribe(ev -> {
      thrown.incrementAndGet();
      throw new IllegalStateException("subscriber bug");
    });
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger slowCount = new AtomicInteger();
    client.subscribe(ev -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      slowCount.incrementAndGet();
    });
    client.execute("query-status").join();
    await().atMost(EVENTUALLY).until(() -> next.get() == n);
    assertTrue(outOfOrder.isEmpty(), outOfOrder.toString());
    await().atMost(EVENTUALLY).until(() -> thrown.get() == n);
    assertEquals(0, slowCount.get());
    assertTrue(client.isOpen(), "a throwing and a blocked subscriber leave the connection up");
    release.countDown();
    await().atMost(EVENTUALLY).until(() -> slowCount.get() == n);
  }

  @Test
  void closeFailsPendingCommandsAndAwaiters() {
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      c.awaitEof();
    });
    connect(PATIENT);
    CompletableFuture<JsonNode> pending = client.execute("query-status");
    CompletableFuture<QmpEvent> awaiting = client.awaitEvent("NEVER", Duration.ofMinutes(1));
    client.close();
    for (CompletableFuture<?> f : List.of(pending, awaiting)) {
      QmpConnectionClosedException e = assertInstanceOf(QmpConnectionClosedException.class, failure(f));
      assertTrue(e.getMessage().endsWith("closed by the client"), e.getMessage());
    }
    assertServerSawClientClose();
  }

  @Test
  void closingTheLoopClosesItsConnections() {
    server = FakeQmpServer.start(c -> {
      c.greet(FakeQmpServer.GREETING_OOB);
      c.awaitEof();
    });
    connect(PATIENT);
    CompletableFuture<JsonNode> pending = client.execute("query-status");
    loop.close();
    assertInstanceOf(QmpConnectionClosedException.class, failure(pending));
    assertInstanceOf(QmpConnectionClosedException.class, failure(client.execute("query-status")));
    assertServerSawClientClose();
  }
}
