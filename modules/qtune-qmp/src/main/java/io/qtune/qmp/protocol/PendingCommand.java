package io.qtune.qmp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

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
  /** {@link System#nanoTime()} at which the command times out (its timeout counted from creation). */
  final long deadline;

  public PendingCommand(String id, String name, byte[] bytes, int fd, Duration timeout) {
    this.id = id;
    this.name = name;
    this.bytes = bytes;
    this.fd = fd;
    this.timeout = timeout;
    this.deadline = System.nanoTime() + timeout.toNanos();
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
