package io.qtune.qmp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.qmp.testing.FakeQmpServer;
import io.qtune.qmp.testing.QmpThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The server counts commands it has read but not answered: never more than 8 with OOB, 1 without.
 * It answers slowly so the client always has a backlog; every command completes, in order.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QmpInFlightLimitTest {
  private static final int COMMANDS = 50;

  @ParameterizedTest(name = "oob offered={0}, requested={1} -> limit {2}")
  @CsvSource({"true, true, 8", "false, true, 1", "true, false, 1"})
  void neverMoreThanTheLimitOnTheWire(boolean offered, boolean requested, int limit) throws Exception {
    AtomicInteger received = new AtomicInteger();
    AtomicInteger replied = new AtomicInteger();
    AtomicInteger maxOutstanding = new AtomicInteger();
    List<Integer> arrivalOrder = new CopyOnWriteArrayList<>();
    List<JsonNode> capabilities = new CopyOnWriteArrayList<>();
    QmpEventLoop loop = QmpEventLoop.create(1);
    try (FakeQmpServer server = FakeQmpServer.start(c -> {
      capabilities.add(c.greet(offered ? FakeQmpServer.GREETING_OOB : FakeQmpServer.GREETING_NO_OOB));
      BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try {
          String line;
          while ((line = c.readLine()) != null) {
            JsonNode cmd = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            int outstanding = received.incrementAndGet() - replied.get();
            maxOutstanding.accumulateAndGet(outstanding, Math::max);
            arrivalOrder.add(cmd.path("arguments").path("seq").asInt());
            inbox.add(cmd);
          }
        } catch (Exception e) {
          // connection closed
        }
      }, "fake-qmp-reader");
      reader.start();
      for (int i = 0; i < COMMANDS; i++) {
        JsonNode cmd = inbox.poll(10, TimeUnit.SECONDS);
        if (i % limit == 0) {
          Thread.sleep(20); // give an over-eager client the chance to overshoot the limit
        }
        replied.incrementAndGet(); // before writing, so the reader never over-counts
        c.reply(cmd, "{\"seq\": " + cmd.path("arguments").path("seq").asInt() + "}");
      }
      c.awaitEof();
      reader.join(5000);
    });
        QmpClient client = QmpClient.connect(loop, server.socketPath(),
            QmpOptions.defaults().withEnableOob(requested)).join()) {
      assertEquals(offered && requested, client.oobEnabled());
      // the server records the command after replying to it: wait for the record
      await().atMost(Duration.ofSeconds(5)).until(() -> !capabilities.isEmpty());
      JsonNode caps = capabilities.get(0);
      if (offered && requested) {
        assertEquals("[\"oob\"]", caps.path("arguments").path("enable").toString());
      } else {
        assertTrue(caps.path("arguments").isMissingNode(), caps.toString());
      }

      List<CompletableFuture<JsonNode>> futures = new ArrayList<>();
      for (int i = 0; i < COMMANDS; i++) {
        futures.add(client.execute("echo", Map.of("seq", i)));
      }
      for (int i = 0; i < COMMANDS; i++) {
        assertEquals(i, futures.get(i).join().path("seq").asInt());
      }
      assertEquals(IntStream.range(0, COMMANDS).boxed().toList(), arrivalOrder);
      assertEquals(limit, maxOutstanding.get(), "most commands the server saw unanswered");
      assertEquals(limit, client.maxObservedInFlight().join());
    } finally {
      loop.close();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> QmpThreads.live().isEmpty());
  }
}
