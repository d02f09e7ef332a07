package io.qtune.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Runs one VM's operations one at a time, in submission order, on a shared pool: two operations on
 * one VM never interleave their cgroup writes, while different VMs proceed in parallel.
 */
final class OpQueue {
  private final Executor executor;
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

  OpQueue(Executor executor) {
    this.executor = executor;
  }

  synchronized <T> CompletableFuture<T> submit(Supplier<T> op) {
    CompletableFuture<T> next = tail.handle((r, e) -> null).thenApplyAsync(x -> op.get(), executor);
    tail = next;
    return next;
  }
}
