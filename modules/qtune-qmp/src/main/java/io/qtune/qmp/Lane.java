package io.qtune.qmp;

import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers items to one listener in order, on a pool thread, never on the I/O thread. A listener
 * that throws is logged and keeps receiving; one that blocks only delays itself. Past
 * {@link #MAX_BACKLOG} undelivered items, new items are dropped (with a warning) so a stuck listener
 * cannot exhaust memory.
 */
final class Lane<T> implements QmpSubscription {
  static final int MAX_BACKLOG = 100_000;
  private static final int BATCH = 256;
  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);

  private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger backlog = new AtomicInteger();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Consumer<? super T> listener;
  private final Executor executor;
  private final Collection<Lane<T>> registry;
  private volatile boolean closed;
  private boolean warnedFull;

  /** Creates the lane and adds it to {@code registry}; {@link #close()} removes it. */
  Lane(Consumer<? super T> listener, Executor executor, Collection<Lane<T>> registry) {
    this.listener = listener;
    this.executor = executor;
    this.registry = registry;
    registry.add(this);
  }

  void offer(T item) {
    if (closed) {
      return;
    }
    if (backlog.incrementAndGet() > MAX_BACKLOG) {
      backlog.decrementAndGet();
      if (!warnedFull) {
        warnedFull = true;
        LOG.warn("QMP listener {} is {} items behind; dropping new items until it catches up", listener,
            MAX_BACKLOG);
      }
      return;
    }
    queue.add(item);
    schedule();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        scheduled.set(false); // event loop closed: nothing more to deliver
      }
    }
  }

  private void drain() {
    for (int i = 0; i < BATCH; i++) {
      T item = queue.poll();
      if (item == null) {
        break;
      }
      backlog.decrementAndGet();
      if (closed) {
        continue;
      }
      try {
        listener.accept(item);
      } catch (Throwable e) {
        LOG.warn("QMP listener {} threw on {}; it stays subscribed", listener, item, e);
      }
    }
    scheduled.set(false);
    if (!queue.isEmpty()) {
      schedule();
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      registry.remove(this);
    }
  }
}
