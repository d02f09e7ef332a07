package io.qtune.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Runs one VM's operations one at a time, in submission order: two operations on one VM never
 * interleave their cgroup writes, while different VMs proceed in parallel.
 *
 * <p>When the VM is idle the operation runs right away on the caller's thread: a live operation
 * costs tens of microseconds of kernel work, and two thread hand-offs would double it. When another
 * operation is running, or the caller is a QMP event-loop thread (which must never block), it runs
 * on the shared worker pool after its predecessors.
 */
final class OpQueue {
  private final Executor executor;
  private final BooleanSupplier mayBlockHere;
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

  OpQueue(Executor executor, BooleanSupplier mayBlockHere) {
    this.executor = executor;
    this.mayBlockHere = mayBlockHere;
  }

  <T> CompletableFuture<T> submit(Supplier<T> op) {
    CompletableFuture<T> next = new CompletableFuture<>();
    CompletableFuture<?> previous;
    synchronized (this) {
      previous = tail;
      tail = next;
    }
    if (previous.isDone() && mayBlockHere.getAsBoolean()) {
      run(op, next);
    } else {
      previous.handle((r, e) -> null).thenRunAsync(() -> run(op, next), executor);
    }
    return next;
  }

  private static <T> void run(Supplier<T> op, CompletableFuture<T> result) {
    try {
      result.complete(op.get());
    } catch (Throwable e) {
      result.completeExceptionally(e);
    }
  }
}
