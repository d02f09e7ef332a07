package io.qtune.qmp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads shared by many {@link QmpClient}s: a Netty epoll event loop group (threads
 * {@code qtune-qmp-N}) that does all socket I/O and completes command futures, and an elastic pool
 * ({@code qtune-qmp-listener-N}) that runs event subscribers so a slow one cannot stall the I/O.
 * All threads are daemons; {@link #close()} closes every connection on this loop and stops them.
 */
public final class QmpEventLoop implements AutoCloseable {
  private static final AtomicInteger IO_THREADS = new AtomicInteger();
  private static final AtomicInteger LISTENER_THREADS = new AtomicInteger();

  private final EventLoopGroup group;
  private final ExecutorService listeners;

  private QmpEventLoop(int threads) {
    this.group = new EpollEventLoopGroup(threads, daemonFactory("qtune-qmp-", IO_THREADS));
    ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
        new SynchronousQueue<>(), daemonFactory("qtune-qmp-listener-", LISTENER_THREADS));
    this.listeners = pool;
  }

  /**
   * Starts {@code threads} I/O threads. One thread serves hundreds of QEMU monitors; QEMU, not the
   * client, is the bottleneck (about 200 µs per command).
   *
   * @throws IllegalStateException when Netty's native epoll transport is unavailable (we never fall
   *     back to NIO: NIO has no SO_PEERCRED pid and no fd passing)
   */
  public static QmpEventLoop create(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads is " + threads + "; it must be at least 1");
    }
    if (!Epoll.isAvailable()) {
      Throwable cause = Epoll.unavailabilityCause();
      throw new IllegalStateException("Netty native epoll transport is not available (" + cause
          + "); qtune needs Linux and the netty-transport-native-epoll linux-x86_64/aarch_64 jar", cause);
    }
    return new QmpEventLoop(threads);
  }

  EventLoopGroup group() {
    return group;
  }

  ExecutorService listenerExecutor() {
    return listeners;
  }

  /**
   * Whether the calling thread is one of this loop's I/O threads: code that may block (file I/O,
   * {@code join()}) must not run there.
   */
  public boolean inEventLoop() {
    for (io.netty.util.concurrent.EventExecutor e : group) {
      if (e.inEventLoop()) {
        return true;
      }
    }
    return false;
  }

  /** True until {@link #close()}. */
  public boolean isOpen() {
    return !group.isShuttingDown();
  }

  /** Closes all connections on this loop (their pending commands fail) and waits for the threads. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    listeners.shutdown();
    if (!group.next().inEventLoop()) {
      group.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  private static ThreadFactory daemonFactory(String prefix, AtomicInteger counter) {
    return r -> {
      // FastThreadLocalThread lets Netty's thread-locals clean up without a finalizer thread
      Thread t = new FastThreadLocalThread(r, prefix + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
