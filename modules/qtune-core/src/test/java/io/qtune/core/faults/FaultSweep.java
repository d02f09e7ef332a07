package io.qtune.core.faults;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.qtune.core.QtuneException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The loop of every fault sweep: for N = 1, 2, ... the operation runs with its N-th fault point
 * failed; each run must end in a typed error with context and leave exactly the before-state. The
 * run in which the operation completes without reaching point N is the counting pass: the
 * operation makes N-1 calls, all of which were failed once.
 */
final class FaultSweep {
  /** How one run went. */
  record Run(boolean reached, Throwable error, String injected) {}

  /** Runs the operation with fault point {@code n} armed; says whether it was reached. */
  interface Armed {
    Run run(int n, Supplier<CompletableFuture<?>> op);
  }

  static final int LIMIT = 400;
  private static final Map<String, Integer> COVERED = new LinkedHashMap<>();

  private FaultSweep() {
  }

  /**
   * Sweeps {@code op}; {@code snapshot} reads the state that must come back. Returns the number of
   * fault points covered.
   */
  static int sweep(String name, Armed armed, Supplier<Map<String, String>> snapshot,
      IntFunction<Supplier<CompletableFuture<?>>> op, Runnable afterEachFailure) {
    return sweep(name, armed, snapshot, op, afterEachFailure, r -> false, () -> { });
  }

  /**
   * As above, for an operation with a step that cannot be undone (QEMU's object-del): a run whose
   * fault came after that step ({@code committed}) may end either way, but an error must be typed;
   * {@code redo} then brings back the before-state for the next fault point.
   */
  static int sweep(String name, Armed armed, Supplier<Map<String, String>> snapshot,
      IntFunction<Supplier<CompletableFuture<?>>> op, Runnable afterEachFailure,
      java.util.function.Predicate<Run> committed, Runnable redo) {
    Map<String, String> before = snapshot.get();
    for (int n = 1; n <= LIMIT; n++) {
      Run r = armed.run(n, op.apply(n));
      if (r.reached() && committed.test(r)) {
        if (r.error() != null) {
          assertTyped(r.error(), name + ", fault point " + n + " (" + r.injected() + ", after the point of no return)");
        }
        redo.run();
        before = snapshot.get();
        continue;
      }
      if (!r.reached()) {
        if (r.error() != null) {
          fail(name + ": the run with no fault reached failed: " + r.error(), r.error());
        }
        record(name, n - 1);
        return n - 1;
      }
      String where = name + ", fault point " + n + " (" + r.injected() + ")";
      assertNotNull(r.error(), where + ": the failure was swallowed and the operation reported success");
      assertTyped(r.error(), where);
      String msg = String.valueOf(r.error().getMessage());
      assertTrue(!msg.isBlank(), where + ": an error without a message");
      afterEachFailure.run();
      Map<String, String> after = snapshot.get();
      if (!before.equals(after)) {
        fail(where + " not restored; error was: " + msg + "\n" + diff(before, after));
      }
    }
    throw new AssertionError(name + ": more than " + LIMIT + " fault points, or the operation never completes");
  }

  /**
   * qtune's own errors, or the QMP module's typed error when QEMU refused a command before the
   * operation changed anything (it names the command, the socket and QEMU's error class).
   */
  static void assertTyped(Throwable error, String where) {
    if (!(error instanceof QtuneException) && !(error instanceof io.qtune.qmp.QmpException)) {
      fail(where + ": not a typed error: " + error, error);
    }
  }

  /** The keys whose values differ, one line each. */
  static String diff(Map<String, String> before, Map<String, String> after) {
    StringBuilder sb = new StringBuilder();
    java.util.Set<String> keys = new java.util.TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    for (String k : keys) {
      String b = before.get(k);
      String a = after.get(k);
      if (!java.util.Objects.equals(a, b)) {
        sb.append("  ").append(k).append(": before=").append(b).append(" after=").append(a).append('\n');
      }
    }
    return sb.toString();
  }

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  static synchronized void record(String name, int points) {
    COVERED.put(name, points);
    System.out.printf("fault sweep: %-40s %4d fault points covered%n", name, points);
  }

  static synchronized Map<String, Integer> covered() {
    return new LinkedHashMap<>(COVERED);
  }
}
