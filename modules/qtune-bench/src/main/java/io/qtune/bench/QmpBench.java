package io.qtune.bench;

import io.qtune.qmp.QmpClient;
import io.qtune.qmp.QmpEventLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Item 1: sequential query-status round trips and pipelined throughput (OOB, 8 in flight), qtune's
 * client beside a blocking JDK client and the C client, against one paused QEMU. QMP serves one
 * client at a time, so each round connects each client in turn (order rotated per round).
 *
 * <p>Where qtune's extra time goes is measured with two more ways of waiting on the same client:
 * {@code on-loop} chains each command from the previous reply's callback (runs on the event loop:
 * no thread hop at all), {@code spin} busy-waits on the future from the caller (a hop to the loop,
 * but no park/unpark of the caller).
 */
final class QmpBench {
  static final String QTUNE_JOIN = "qtune join()";
  static final String QTUNE_LOOP = "qtune on-loop chain";
  static final String QTUNE_SPIN = "qtune spin-wait";
  static final String RAW = "JDK SocketChannel";
  static final String C = "C client";

  private final Path socket;
  private final NativeTools tools;
  private final QmpEventLoop loop;
  private final int rounds;
  private final int warmup;
  private final int perRound;
  private final int pipeN;

  QmpBench(Path socket, NativeTools tools, QmpEventLoop loop, boolean quick) {
    this.socket = socket;
    this.tools = tools;
    this.loop = loop;
    this.rounds = quick ? 2 : 7;
    this.warmup = quick ? 300 : 1000;
    this.perRound = quick ? 500 : 2000;
    this.pipeN = quick ? 1000 : 4000;
  }

  /** Round-trip samples (ns) per client, pooled over rounds; and the per-round medians. */
  record Result(Map<String, long[]> rtt, Map<String, long[]> roundMedians, Map<String, long[]> pipeRps) {}

  Result run() {
    Map<String, Supplier<long[]>> rttVariants = new LinkedHashMap<>();
    rttVariants.put(QTUNE_JOIN, () -> qtuneRtt(Wait.JOIN));
    rttVariants.put(QTUNE_LOOP, () -> qtuneRtt(Wait.LOOP));
    rttVariants.put(QTUNE_SPIN, () -> qtuneRtt(Wait.SPIN));
    rttVariants.put(RAW, this::rawRtt);
    rttVariants.put(C, () -> tools.roundTrips(socket, warmup, perRound));
    Map<String, List<Long>> pooled = new LinkedHashMap<>();
    Map<String, List<Long>> medians = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(rttVariants.keySet());
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < names.size(); k++) {
        String name = names.get((k + r) % names.size());
        long[] s = rttVariants.get(name).get();
        List<Long> p = pooled.computeIfAbsent(name, x -> new ArrayList<>());
        for (long v : s) {
          p.add(v);
        }
        medians.computeIfAbsent(name, x -> new ArrayList<>()).add((long) Sample.of(s).median());
      }
    }
    Map<String, Supplier<Long>> pipeVariants = new LinkedHashMap<>();
    pipeVariants.put("qtune", this::qtunePipe);
    pipeVariants.put(RAW, this::rawPipe);
    pipeVariants.put(C, () -> tools.pipelined(socket, 8, pipeN));
    Map<String, List<Long>> rps = new LinkedHashMap<>();
    List<String> pnames = new ArrayList<>(pipeVariants.keySet());
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < pnames.size(); k++) {
        String name = pnames.get((k + r) % pnames.size());
        long ns = pipeVariants.get(name).get();
        // stored as ns per request so that Sample's median/min/max apply; converted to req/s for the table
        rps.computeIfAbsent(name, x -> new ArrayList<>()).add(ns / pipeN);
      }
    }
    return new Result(toArrays(pooled), toArrays(medians), toArrays(rps));
  }

  private static Map<String, long[]> toArrays(Map<String, List<Long>> m) {
    Map<String, long[]> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, v.stream().mapToLong(Long::longValue).toArray()));
    return out;
  }

  enum Wait { JOIN, LOOP, SPIN }

  private long[] qtuneRtt(Wait wait) {
    QmpClient c = QmpClient.connect(loop, socket).join();
    try {
      int total = warmup + perRound;
      long[] t = new long[total];
      if (wait == Wait.LOOP) {
        new Chain(c, t).start().join();
      } else {
        for (int i = 0; i < total; i++) {
          long t0 = System.nanoTime();
          CompletableFuture<?> f = c.execute("query-status");
          if (wait == Wait.SPIN) {
            while (!f.isDone()) {
              Thread.onSpinWait();
            }
          }
          f.join();
          t[i] = System.nanoTime() - t0;
        }
      }
      return java.util.Arrays.copyOfRange(t, warmup, total);
    } finally {
      c.close();
    }
  }

  /** Each command is sent from the previous reply's callback, on the event loop. */
  private static final class Chain {
    final QmpClient c;
    final long[] t;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    int i;
    long t0;

    Chain(QmpClient c, long[] t) {
      this.c = c;
      this.t = t;
    }

    CompletableFuture<Void> start() {
      next();
      return done;
    }

    void next() {
      t0 = System.nanoTime();
      c.execute("query-status").whenComplete((r, e) -> {
        if (e != null) {
          done.completeExceptionally(e);
          return;
        }
        t[i++] = System.nanoTime() - t0;
        if (i < t.length) {
          next();
        } else {
          done.complete(null);
        }
      });
    }
  }

  private long[] rawRtt() {
    try (RawQmpClient c = new RawQmpClient(socket)) {
      long[] t = new long[perRound];
      for (int i = 0; i < warmup + perRound; i++) {
        long t0 = System.nanoTime();
        c.execute("query-status");
        if (i >= warmup) {
          t[i - warmup] = System.nanoTime() - t0;
        }
      }
      return t;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** All requests submitted at once; the client keeps 8 on the wire (QEMU's OOB queue). */
  private long qtunePipe() {
    QmpClient c = QmpClient.connect(loop, socket).join();
    try {
      for (int i = 0; i < 200; i++) {
        c.execute("query-status").join();
      }
      long t0 = System.nanoTime();
      CompletableFuture<?>[] fs = new CompletableFuture<?>[pipeN];
      for (int i = 0; i < pipeN; i++) {
        fs[i] = c.execute("query-status");
      }
      CompletableFuture.allOf(fs).join();
      return System.nanoTime() - t0;
    } finally {
      c.close();
    }
  }

  private long rawPipe() {
    try (RawQmpClient c = new RawQmpClient(socket)) {
      for (int i = 0; i < 200; i++) {
        c.execute("query-status");
      }
      long t0 = System.nanoTime();
      int sent = 0;
      int got = 0;
      while (got < pipeN) {
        while (sent < pipeN && sent - got < 8) {
          c.sendCommand("query-status");
          sent++;
        }
        c.readMessage();
        got++;
      }
      return System.nanoTime() - t0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
