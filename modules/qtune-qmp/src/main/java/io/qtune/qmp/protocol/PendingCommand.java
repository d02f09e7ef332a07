package io.qtune.qmp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One command from call to reply. {@code bytes} is the complete wire form (JSON + newline);
 * {@code fd} is -1 unless the command carries a file descriptor.
 */
public final class PendingCommand {
  final String id;
  final String name;
  final byte[] bytes;
  final int fd;
  final Duration timeout;
  final CompletableFuture<JsonNode> future = new CompletableFuture<>();
  ScheduledFuture<?> timeoutTask;

  public PendingCommand(String id, String name, byte[] bytes, int fd, Duration timeout) {
    this.id = id;
    this.name = name;
    this.bytes = bytes;
    this.fd = fd;
    this.timeout = timeout;
  }

  public String id() {
    return id;
  }

  public String name() {
    return name;
  }

  public CompletableFuture<JsonNode> future() {
    return future;
  }
}
