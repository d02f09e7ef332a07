package io.qtune.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.Channel;
import io.qtune.testkit.TestTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/events} with a subscriber that never reads: the daemon's real HTTP layer (Netty on
 * a unix socket) and its event log, events published in-process as fast as a reading subscriber
 * takes them. The stalled subscriber must cost a bounded backlog: it gets a contiguous prefix of the
 * events, then one {@code events-lost} line naming the last seq it got, then the end of the stream;
 * the reading subscriber gets every event in order.
 */
class EventBackpressureTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int EVENTS = 20_000;

  @TempDir
  Path tmp;

  @Test
  void aStalledSubscriberIsCutOffWithEventsLostAndTheOthersGetEverything() throws Exception {
    EventLog events = new EventLog();
    Router router = new Router(List.of(new Route("GET", "/v1/events", false, null, r -> {
      throw new IllegalStateException("served by the HTTP layer");
    })));
    ExecutorService workers = Executors.newCachedThreadPool();
    Path socket = tmp.resolve("events.sock");
    try (HttpServers servers = new HttpServers()) {
      Channel server = servers.bindUnix(socket, new Callers(Path.of("/proc"), OptionalInt.empty()),
          HttpServers.handlers(router, events, workers, MetricsSource.NONE, p -> true));
      try (UnixHttp stalled = new UnixHttp(socket); UnixHttp reader = new UnixHttp(socket)) {
        stalled.writeRequest("GET", "/v1/events", null);
        assertEquals(200, stalled.readReply().status());
        reader.writeRequest("GET", "/v1/events", null);
        assertEquals(200, reader.readReply().status());
        awaitSubscribers(events, 2);

        AtomicLong got = new AtomicLong();
        CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
          try {
            for (long expect = 1; expect <= EVENTS; expect++) {
              JsonNode e = JSON.readTree(reader.nextLine());
              assertEquals(expect, e.get("seq").asLong(), "the reading subscriber gets every event, in order");
              got.set(expect);
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        // publish in batches the reader keeps up with: only the stalled one falls behind
        for (int n = 1; n <= EVENTS; n++) {
          events.publish("iothread-added", "vm1", Map.of("id", n, "tid", 4000 + n));
          if (n % 500 == 0) {
            long deadline = System.nanoTime() + TestTime.seconds(30).toNanos();
            while (got.get() < n - 1000 && !reading.isDone() && System.nanoTime() < deadline) {
              Thread.sleep(1);
            }
          }
        }
        reading.get(TestTime.seconds(60).toMillis(), TimeUnit.MILLISECONDS);

        // now the stalled one reads: a contiguous prefix, far from everything, then events-lost, then the end
        CompletableFuture<JsonNode[]> tail = CompletableFuture.supplyAsync(() -> {
          try {
            long last = 0;
            for (String line = stalled.nextLine(); line != null; line = stalled.nextLine()) {
              JsonNode e = JSON.readTree(line);
              if (e.get("type").asText().equals("events-lost")) {
                return new JsonNode[] {JSON.valueToTree(last), e};
              }
              assertEquals(last + 1, e.get("seq").asLong(), "no gap before events-lost");
              last = e.get("seq").asLong();
            }
            return new JsonNode[] {JSON.valueToTree(last), null};
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
        JsonNode[] end;
        try {
          end = tail.get(TestTime.seconds(60).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          stalled.close();
          throw new AssertionError("the stalled subscriber's stream never ended: every event was buffered for it");
        }
        long last = end[0].asLong();
        JsonNode lost = end[1];
        assertTrue(lost != null, "the stalled subscriber's stream ends with events-lost (got up to seq " + last + ")");
        assertTrue(last < EVENTS / 2, "the backlog is bounded, not every event (got up to seq " + last + ")");
        assertEquals(last, lost.get("data").get("since").asLong(), "events-lost names the last seq delivered");
        assertNull(stalled.nextLine(), "the stream ends after events-lost");
        long deadline = System.nanoTime() + TestTime.seconds(30).toNanos();
        while (events.subscribers() > 1 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        assertEquals(1, events.subscribers(), "the stalled subscriber is gone, the reader stays");
      }
      server.close().syncUninterruptibly();
    } finally {
      workers.shutdownNow();
      Files.deleteIfExists(socket);
    }
  }

  private static void awaitSubscribers(EventLog events, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TestTime.seconds(30).toNanos();
    while (events.subscribers() < n) {
      assertTrue(System.nanoTime() < deadline, "subscribers never registered");
      Thread.sleep(5);
    }
  }
}
