package io.qtune.core;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operation changed, as the steps that put it back. On failure they run newest first; a
 * step that itself fails is logged and the rest still run, so one stuck file does not leave
 * everything else changed.
 */
final class UndoLog {
  private static final Logger LOG = LoggerFactory.getLogger(UndoLog.class);

  interface Step {
    void run() throws Exception;
  }

  private final Deque<Step> steps = new ArrayDeque<>();
  private final Deque<String> names = new ArrayDeque<>();

  void add(String what, Step undo) {
    steps.push(undo);
    names.push(what);
  }

  /** Rolls back every recorded step; returns the number of steps that could not be undone. */
  int rollback() {
    int failed = 0;
    while (!steps.isEmpty()) {
      Step s = steps.pop();
      String what = names.pop();
      try {
        s.run();
      } catch (Exception e) {
        failed++;
        LOG.warn("rollback of '{}' failed: {}", what, e.toString());
      }
    }
    return failed;
  }

  void clear() {
    steps.clear();
    names.clear();
  }
}
