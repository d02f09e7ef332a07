package io.qtune.qmp;

import java.util.List;

/** The server's first message: {@code {"QMP": {"version": ..., "capabilities": [...]}}}. */
public record QmpGreeting(QmpVersion version, List<String> capabilities) {
  public QmpGreeting {
    capabilities = List.copyOf(capabilities);
  }

  public boolean offers(String capability) {
    return capabilities.contains(capability);
  }
}
