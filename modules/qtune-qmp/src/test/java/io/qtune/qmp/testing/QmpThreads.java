package io.qtune.qmp.testing;

import java.util.List;
import java.util.stream.Collectors;

/** Live threads of the QMP client (event loop and listener pool), to assert nothing leaks. */
public final class QmpThreads {
  private QmpThreads() {
  }

  public static List<String> live() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("qtune-qmp"))
        .sorted()
        .collect(Collectors.toList());
  }
}
