package io.qtune.daemon;

import io.netty.channel.Channel;
import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.core.StateDir;
import io.qtune.qmp.QmpOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node daemon: one {@link Qtune}, the VMs it supervises, and the API on a unix socket. Stopping
 * it (or killing it) leaves every VM running with its groups and record; the next start re-adopts
 * them.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  public static final String VERSION = Optional.ofNullable(Daemon.class.getPackage().getImplementationVersion())
      .orElse("dev");

  private final DaemonOptions options;
  private final Qtune qtune;
  private final EventLog events = new EventLog();
  private final Supervisor supervisor;
  private final HttpServers servers = new HttpServers();
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final MetricsSource metrics;
  private final boolean withMetrics;
  private SocketFile socketFile;
  private Channel unix;
  private Channel tcp;
  private int adopted;

  private Daemon(DaemonOptions options, boolean withMetrics) {
    this.options = options;
    this.withMetrics = withMetrics;
    QmpOptions q = QmpOptions.defaults();
    QtuneOptions qo = QtuneOptions.defaults().withStateDir(options.stateDir()).withPartition(options.partition())
        .withQmp(q.withConnectTimeout(scale(q.connectTimeout())).withCommandTimeout(scale(q.commandTimeout())));
    this.qtune = Qtune.create(qo);
    this.supervisor = new Supervisor(qtune, events);
    this.metrics = withMetrics ? MetricsSource.of(qtune) : MetricsSource.NONE;
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "qtune-api-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "qtune-drift");
      t.setDaemon(true);
      return t;
    });
  }

  private Duration scale(Duration d) {
    return Duration.ofMillis((long) Math.ceil(d.toMillis() * options.timeScale()));
  }

  /**
   * Claims the socket (refusing if another daemon answers on it), re-adopts every recorded VM,
   * then serves. Throws, with nothing left behind, when it cannot.
   */
  public static Daemon start(DaemonOptions options, boolean withMetrics) {
    Daemon d = new Daemon(options, withMetrics);
    try {
      d.serve();
      return d;
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
  }

  private void serve() {
    Path socket = options.socket().toAbsolutePath();
    prepareDirectory(socket.getParent());
    socketFile = SocketFile.claim(socket);
    long t0 = System.nanoTime();
    adopted = supervisor.adoptRecorded(scale(Duration.ofSeconds(30)));
    LOG.info("re-adopted {} VM(s) from {} in {} ms", adopted, options.stateDir(), (System.nanoTime() - t0) / 1_000_000);
    Callers callers = new Callers(Path.of("/proc"), Callers.groupId(Path.of("/etc/group"), options.changeGroup()));
    Api api = new Api(supervisor, events, new Api.DaemonInfo(socket.toString(), options.stateDir().toString(), VERSION),
        scale(Duration.ofSeconds(30)), workers);
    Router router = api.router(r -> {
      throw new IllegalStateException("the event stream is served by the HTTP layer");
    }, r -> CompletableFuture.completedFuture(metrics.scrape()
        .map(text -> Response.text(200, metrics.contentType(), text))
        .orElseGet(() -> Response.problem(new Problem(Problem.type(503), Problem.title(503), 503,
            "metrics are off in this daemon", "GET /metrics", null, java.util.List.of("metrics are off"))))));
    unix = servers.bindUnix(socket, callers, HttpServers.handlers(router, events, workers, metrics, p -> true));
    try {
      socketFile.restrict(options.socketMode(), callers.changeGroup(), options.changeGroup());
    } catch (IOException e) {
      throw new io.qtune.core.QtuneException("cannot set the mode of " + socket + ": " + e.getMessage(), e);
    }
    InetSocketAddress listen = options.metricsListen();
    if (listen != null) {
      tcp = servers.bindTcp(listen, HttpServers.handlers(router, events, workers, metrics, p -> p.equals("/metrics")));
    }
    long every = options.driftInterval().toMillis();
    if (every > 0) {
      timer.scheduleWithFixedDelay(supervisor::checkDrift, every, every, TimeUnit.MILLISECONDS);
    }
    LOG.info("qtune daemon {} serving {}{}", VERSION, socket, tcp == null ? "" : " and /metrics on " + tcp.localAddress());
  }

  /**
   * The socket's directory. When it is the state directory (the default), it is made 0711 so
   * group qtune and readers can reach the socket without listing the records (each record,
   * log and QMP socket inside keeps its own private mode).
   */
  private void prepareDirectory(Path dir) {
    try {
      if (dir.equals(options.stateDir().toAbsolutePath())) {
        qtune.state().ensure();
        Files.setPosixFilePermissions(dir, StateDir.TRAVERSE_MODE);
      } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new io.qtune.core.QtuneException("cannot prepare " + dir + ": " + e.getMessage(), e);
    }
  }

  public Supervisor supervisor() {
    return supervisor;
  }

  public EventLog events() {
    return events;
  }

  public Qtune qtune() {
    return qtune;
  }

  public int adopted() {
    return adopted;
  }

  /** Where /metrics listens over TCP (the port is known only after bind when 0 was asked). */
  public Optional<InetSocketAddress> metricsAddress() {
    return tcp == null ? Optional.empty() : Optional.of((InetSocketAddress) tcp.localAddress());
  }

  /** Stops serving; every VM keeps running with its groups and record. */
  @Override
  public void close() {
    timer.shutdownNow();
    if (unix != null) {
      unix.close().syncUninterruptibly();
    }
    if (tcp != null) {
      tcp.close().syncUninterruptibly();
    }
    if (socketFile != null) {
      socketFile.close();
    }
    servers.close();
    supervisor.detachAll();
    workers.shutdownNow();
    qtune.close();
  }
}
