package io.qtune.cli;

import io.qtune.core.InvalidInputException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What went wrong, as the exit status and virsh-style {@code error: ...} lines: bad input (found
 * before anything changed) is 2, every other failure 1.
 */
record Failure(int exitCode, List<String> messages) {

  /** Classifies {@code t} (unwrapping futures' wrappers). */
  static Failure of(Throwable t) {
    Throwable c = unwrap(t);
    if (c instanceof InvalidInputException inv) {
      return new Failure(Exit.BAD_INPUT, inv.problems());
    }
    if (c instanceof DaemonProblemException p) {
      return new Failure(p.exitCode(), p.messages());
    }
    if (c instanceof BadInputException bad) {
      return new Failure(Exit.BAD_INPUT, List.of(bad.getMessage()));
    }
    if (c instanceof IllegalArgumentException && c.getClass().getName().startsWith("io.qtune.host.cpu.")) {
      // a cpulist the host module refused before anything was written
      return new Failure(Exit.BAD_INPUT, List.of(c.getMessage()));
    }
    String msg = c.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = c.getClass().getSimpleName();
    } else if (!c.getClass().getName().startsWith("io.qtune.")) {
      // not one of ours: keep the type, it is the only context there is
      msg = c.getClass().getSimpleName() + ": " + msg;
    }
    return new Failure(Exit.FAILED, List.of(msg));
  }

  /** Prints {@code error: ...} lines for {@code t} on {@code err}; returns the exit status. */
  static int report(Throwable t, PrintStream err) {
    Failure f = of(t);
    for (String m : f.messages()) {
      err.println("error: " + m);
    }
    if (Logging.verbose()) {
      unwrap(t).printStackTrace(err);
    }
    err.flush();
    return f.exitCode();
  }

  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
