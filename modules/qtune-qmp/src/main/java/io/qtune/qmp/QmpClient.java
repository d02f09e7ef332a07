package io.qtune.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Errors;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.qtune.qmp.model.AddFdInfo;
import io.qtune.qmp.model.CpuInfoFast;
import io.qtune.qmp.model.HotpluggableCpu;
import io.qtune.qmp.model.IothreadInfo;
import io.qtune.qmp.model.IothreadProperties;
import io.qtune.qmp.model.StatusInfo;
import io.qtune.qmp.protocol.CommandPipeline;
import io.qtune.qmp.protocol.JsonLineDecoder;
import io.qtune.qmp.protocol.PendingCommand;
import io.qtune.qmp.protocol.QmpJson;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asynchronous QMP client on one QEMU monitor socket.
 *
 * <p><b>Threading.</b> All socket I/O runs on one thread of the shared {@link QmpEventLoop}, and
 * command futures are completed <em>on that thread</em>, without a hop to another executor (the hop
 * costs about 40 µs per command). Callbacks attached with {@code thenApply}/{@code thenAccept} to a
 * not-yet-complete future therefore run on the I/O thread: they must not block (no {@code join()},
 * no file or network I/O); use the {@code *Async} variants with your own executor for that. Event
 * subscribers run on a separate listener pool, one ordered lane per subscriber.
 *
 * <p><b>Pipelining.</b> Commands are sent in call order. At most 8 are on the wire with OOB enabled
 * (QEMU's request queue length), 1 without; the rest wait in the client. Replies are matched by id.
 *
 * <p><b>Errors.</b> Futures fail with {@link QmpCommandException} (QEMU said error),
 * {@link QmpTimeoutException}, {@link QmpConnectionClosedException} or {@link QmpProtocolException}.
 */
public final class QmpClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);
  private static final int OOB_IN_FLIGHT = 8; // QMP_REQ_QUEUE_LEN_MAX in QEMU's monitor.h
  private static final int EPIPE = 32;
  private static final int ECONNRESET = 104;

  /** Reads {@code SO_PEERCRED} of the freshly connected channel of {@code socket}. */
  @FunctionalInterface
  interface PeerCredentialsRead {
    io.netty.channel.unix.PeerCredentials read(Path socket, EpollDomainSocketChannel ch) throws IOException;
  }

  /** The real read: Netty's getsockopt, failing with ChannelException (errno) or IOException. */
  private static final PeerCredentialsRead SO_PEERCRED = (socket, ch) -> ch.peerCredentials();

  /**
   * Test seam: wraps the real read, so a test can make it throw (a real kernel will not fail
   * SO_PEERCRED on demand). Production code never sets it.
   */
  static volatile UnaryOperator<PeerCredentialsRead> peerCredentialsFault = UnaryOperator.identity();

  private final QmpEventLoop loop;
  private final Path socketPath;
  private final QmpOptions options;
  private final AtomicLong ids = new AtomicLong();
  private final CompletableFuture<QmpClient> connected = new CompletableFuture<>();
  private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
  private final List<Lane<QmpEvent>> subscribers = new CopyOnWriteArrayList<>();
  private final List<Lane<QmpProtocolException>> protocolErrorListeners = new CopyOnWriteArrayList<>();
  private final List<Awaiter> awaiters = new ArrayList<>(); // event loop only
  private volatile Channel channel;
  private volatile CommandPipeline pipeline;
  private volatile QmpGreeting greeting;
  private volatile PeerCredentials peerCredentials;
  private volatile boolean oobEnabled;
  private volatile QmpConnectionClosedException closeReason;

  private QmpClient(QmpEventLoop loop, Path socketPath, QmpOptions options) {
    this.loop = loop;
    this.socketPath = socketPath;
    this.options = options;
  }

  /**
   * Connects, reads the greeting and negotiates capabilities ({@code oob} when offered and
   * {@link QmpOptions#enableOob()}). Fails with {@link QmpConnectException},
   * {@link QmpPeerCredentialsException} ({@code SO_PEERCRED} could not be read),
   * {@link QmpTimeoutException} (no greeting within the connect timeout: note QMP serves one client
   * at a time), {@link QmpProtocolException} (not a QMP greeting) or {@link QmpCommandException}.
   */
  public static CompletableFuture<QmpClient> connect(QmpEventLoop loop, Path socket, QmpOptions options) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(socket, "socket");
    Objects.requireNonNull(options, "options");
    QmpClient client = new QmpClient(loop, socket, options);
    client.start();
    return client.connected;
  }

  /** {@link #connect(QmpEventLoop, Path, QmpOptions)} with {@link QmpOptions#defaults()}. */
  public static CompletableFuture<QmpClient> connect(QmpEventLoop loop, Path socket) {
    return connect(loop, socket, QmpOptions.defaults());
  }

  private void start() {
    Bootstrap bootstrap = new Bootstrap()
        .group(loop.group())
        .channel(EpollDomainSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
            options.connectTimeout().toMillis()))
        .handler(new ChannelInitializer<EpollDomainSocketChannel>() {
          @Override
          protected void initChannel(EpollDomainSocketChannel ch) {
            channel = ch;
            pipeline = new CommandPipeline(ch, socketPath, QmpClient.this::reportProtocolError);
            ch.pipeline().addLast(
                new LineBasedFrameDecoder(options.maxFrameBytes(), true, true),
                new JsonLineDecoder(socketPath),
                new Inbound());
          }
        });
    ChannelFuture cf;
    try {
      cf = bootstrap.connect(new DomainSocketAddress(socketPath.toString()));
    } catch (RejectedExecutionException e) {
      connected.completeExceptionally(new QmpConnectException(socketPath,
          new IllegalStateException("the QmpEventLoop is closed", e)));
      closeFuture.complete(null);
      return;
    }
    cf.addListener(f -> {
      if (!f.isSuccess()) {
        connected.completeExceptionally(new QmpConnectException(socketPath, f.cause()));
        closeFuture.complete(null);
        return;
      }
      EpollDomainSocketChannel ch = (EpollDomainSocketChannel) cf.channel();
      ch.eventLoop().schedule(this::setupTimedOut, options.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
    });
  }

  private void setupTimedOut() {
    if (connected.isDone()) {
      return;
    }
    String what = greeting == null
        ? "No QMP greeting from " + socketPath + " within " + QmpTimeoutException.format(options.connectTimeout())
            + " (QMP serves one client at a time: is another client connected?)"
        : "QMP server " + socketPath + " did not answer qmp_capabilities within "
            + QmpTimeoutException.format(options.connectTimeout());
    QmpTimeoutException e = new QmpTimeoutException(socketPath,
        greeting == null ? "(greeting)" : "qmp_capabilities", options.connectTimeout(), what);
    connected.completeExceptionally(e);
    closeWith(new QmpConnectionClosedException(socketPath, "connection setup timed out", e));
  }

  // ------------------------------------------------------------------ connection facts

  /** The greeting (QEMU version, offered capabilities). */
  public QmpGreeting greeting() {
    return greeting;
  }

  /** True when {@code oob} was negotiated (8 in-band commands may be in flight). */
  public boolean oobEnabled() {
    return oobEnabled;
  }

  /**
   * {@code SO_PEERCRED} of the socket: {@code pid} is QEMU's PID. Never null on a connected client
   * (a failed read fails the connect with {@link QmpPeerCredentialsException}).
   */
  public PeerCredentials peerCredentials() {
    return peerCredentials;
  }

  public Path socketPath() {
    return socketPath;
  }

  public QmpOptions options() {
    return options;
  }

  public boolean isOpen() {
    Channel ch = channel;
    return ch != null && ch.isActive() && closeReason == null;
  }

  /** Completes (normally) once the connection is closed and every pending command has failed. */
  public CompletableFuture<Void> closeFuture() {
    return closeFuture;
  }

  /** Why the connection closed; {@code null} while open. */
  public QmpConnectionClosedException closeReason() {
    return closeReason;
  }

  /** Highest number of commands that were on the wire at once so far (diagnostics, tests). */
  public CompletableFuture<Integer> maxObservedInFlight() {
    CompletableFuture<Integer> f = new CompletableFuture<>();
    onLoop(() -> f.complete(pipeline.maxObservedOnWire()), f);
    return f;
  }

  // ------------------------------------------------------------------ generic commands

  /** Runs {@code command} without arguments; the future gets the {@code return} member. */
  public CompletableFuture<JsonNode> execute(String command) {
    return execute(command, (ObjectNode) null, options.commandTimeout());
  }

  /** Runs {@code command}; {@code arguments} (may be null/empty) is serialized with Jackson. */
  public CompletableFuture<JsonNode> execute(String command, Map<String, ?> arguments) {
    return execute(command, arguments, options.commandTimeout());
  }

  /** As {@link #execute(String, Map)} with a per-command timeout (counted from this call). */
  public CompletableFuture<JsonNode> execute(String command, Map<String, ?> arguments, Duration timeout) {
    return execute(command, arguments == null ? null : (ObjectNode) QmpJson.MAPPER.valueToTree(arguments),
        timeout);
  }

  public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
    return execute(command, arguments, options.commandTimeout());
  }

  public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments, Duration timeout) {
    return send(command, arguments, -1, timeout);
  }

  private CompletableFuture<JsonNode> send(String command, ObjectNode arguments, int fd, Duration timeout) {
    if (command == null || command.isBlank()) {
      throw new IllegalArgumentException("QMP command name is '" + command + "'; it must be non-empty");
    }
    Objects.requireNonNull(timeout, "timeout");
    QmpOptions.requirePositive("timeout", timeout);
    String id = "qtune-" + ids.incrementAndGet();
    ObjectNode msg = QmpJson.MAPPER.createObjectNode();
    if (QmpFaults.fails(command)) {
      // a test's fault: QEMU answers this one with an error (see QmpFaults)
      msg.put("execute", "object-del");
      msg.set("arguments", QmpJson.MAPPER.createObjectNode().put("id", QmpFaults.MISSING_OBJECT));
    } else {
      msg.put("execute", command);
      if (arguments != null && !arguments.isEmpty()) {
        msg.set("arguments", arguments);
      }
    }
    msg.put("id", id);
    byte[] json;
    try {
      json = QmpJson.MAPPER.writeValueAsBytes(msg);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("arguments of '" + command + "' cannot be serialized: " + e, e);
    }
    byte[] line = Arrays.copyOf(json, json.length + 1);
    line[json.length] = '\n';
    PendingCommand cmd = new PendingCommand(id, command, line, fd, timeout);
    onLoop(() -> pipeline.submit(cmd, closeReason), cmd.future());
    return cmd.future();
  }

  /** Runs {@code task} on the connection's event loop (inline when already there). */
  private void onLoop(Runnable task, CompletableFuture<?> failOnReject) {
    QmpConnectionClosedException closed = closeReason;
    Channel ch = channel;
    if (ch == null) {
      failOnReject.completeExceptionally(closed != null ? closed
          : new QmpConnectionClosedException(socketPath, "not connected"));
      return;
    }
    if (ch.eventLoop().inEventLoop()) {
      task.run();
      return;
    }
    try {
      ch.eventLoop().execute(task);
    } catch (RejectedExecutionException e) {
      failOnReject.completeExceptionally(closed != null ? closed
          : new QmpConnectionClosedException(socketPath, "the QmpEventLoop was closed"));
    }
  }

  // ------------------------------------------------------------------ typed commands

  /** {@code query-version}. */
  public CompletableFuture<QmpVersion> queryVersion() {
    return execute("query-version").thenApply(r -> parseVersion(r, "query-version"));
  }

  /** {@code query-status}. */
  public CompletableFuture<StatusInfo> queryStatus() {
    return execute("query-status").thenApply(r -> decode("query-status", r, new TypeReference<StatusInfo>() {
    }));
  }

  /** {@code query-cpus-fast}: one entry per vCPU with its host thread id. */
  public CompletableFuture<List<CpuInfoFast>> queryCpusFast() {
    return execute("query-cpus-fast").thenApply(r -> decode("query-cpus-fast", r,
        new TypeReference<List<CpuInfoFast>>() {
        }));
  }

  /** {@code query-hotpluggable-cpus}. */
  public CompletableFuture<List<HotpluggableCpu>> queryHotpluggableCpus() {
    return execute("query-hotpluggable-cpus").thenApply(r -> decode("query-hotpluggable-cpus", r,
        new TypeReference<List<HotpluggableCpu>>() {
        }));
  }

  /** {@code query-iothreads}. */
  public CompletableFuture<List<IothreadInfo>> queryIothreads() {
    return execute("query-iothreads").thenApply(r -> decode("query-iothreads", r,
        new TypeReference<List<IothreadInfo>>() {
        }));
  }

  /** {@code object-add} of an iothread (flat QEMU 6.0+ form); QEMU starts its thread before replying. */
  public CompletableFuture<Void> addIothread(IothreadProperties properties) {
    Objects.requireNonNull(properties, "properties");
    ObjectNode args = QmpJson.MAPPER.createObjectNode().put("qom-type", "iothread");
    args.setAll((ObjectNode) QmpJson.MAPPER.valueToTree(properties));
    return execute("object-add", args).thenApply(r -> null);
  }

  /** {@code object-del}. */
  public CompletableFuture<Void> objectDel(String id) {
    return execute("object-del", args("id", requireText("id", id))).thenApply(r -> null);
  }

  /**
   * {@code device_add}. {@code properties} must contain {@code driver} and {@code id}. Unplug is
   * asynchronous in the guest: pair {@link #deviceDel} with {@link #awaitEvent} on
   * {@code DEVICE_DELETED}.
   */
  public CompletableFuture<Void> deviceAdd(Map<String, ?> properties) {
    requireKeys("device_add", properties, "driver", "id");
    return execute("device_add", properties).thenApply(r -> null);
  }

  /** {@code device_del}: requests removal; completion is the {@code DEVICE_DELETED} event. */
  public CompletableFuture<Void> deviceDel(String id) {
    return execute("device_del", args("id", requireText("id", id))).thenApply(r -> null);
  }

  /** {@code blockdev-add}; {@code options} must contain {@code driver} and {@code node-name}. */
  public CompletableFuture<Void> blockdevAdd(Map<String, ?> blockdevOptions) {
    requireKeys("blockdev-add", blockdevOptions, "driver", "node-name");
    return execute("blockdev-add", blockdevOptions).thenApply(r -> null);
  }

  /** {@code blockdev-del}. */
  public CompletableFuture<Void> blockdevDel(String nodeName) {
    return execute("blockdev-del", args("node-name", requireText("node-name", nodeName))).thenApply(r -> null);
  }

  /** {@code qom-get}. */
  public CompletableFuture<JsonNode> qomGet(String path, String property) {
    ObjectNode a = args("path", requireText("path", path)).put("property", requireText("property", property));
    return execute("qom-get", a);
  }

  /** {@code qom-set}; {@code value} is serialized with Jackson. */
  public CompletableFuture<Void> qomSet(String path, String property, Object value) {
    ObjectNode a = args("path", requireText("path", path)).put("property", requireText("property", property));
    a.set("value", QmpJson.MAPPER.valueToTree(value));
    return execute("qom-set", a).thenApply(r -> null);
  }

  /** {@code stop}: pauses the vCPUs; QEMU emits {@code STOP}. */
  public CompletableFuture<Void> stop() {
    return execute("stop").thenApply(r -> null);
  }

  /** {@code cont}: resumes (or starts a {@code -S} VM); QEMU emits {@code RESUME}. */
  public CompletableFuture<Void> cont() {
    return execute("cont").thenApply(r -> null);
  }

  /** {@code quit}: QEMU replies, then exits and closes the socket; pending commands fail. */
  public CompletableFuture<Void> quit() {
    return execute("quit").thenApply(r -> null);
  }

  /**
   * {@code getfd}: passes {@code fd} to QEMU under {@code fdName}, in the same {@code sendmsg} as
   * the command. The caller keeps its own fd and must leave it open until the future completes.
   */
  public CompletableFuture<Void> getfd(String fdName, int fd) {
    requireFd(fd);
    return send("getfd", args("fdname", requireText("fdname", fdName)), fd, options.commandTimeout())
        .thenApply(r -> null);
  }

  /**
   * {@code add-fd}: adds a duplicate of {@code fd} to an fd set ({@code fdsetId} null = new set).
   * Leave {@code fd} open until the future completes.
   */
  public CompletableFuture<AddFdInfo> addFd(int fd, Integer fdsetId, String opaque) {
    requireFd(fd);
    if (fdsetId != null && fdsetId < 0) {
      throw new IllegalArgumentException("fdset-id is " + fdsetId + "; it must be >= 0");
    }
    ObjectNode a = QmpJson.MAPPER.createObjectNode();
    if (fdsetId != null) {
      a.put("fdset-id", fdsetId);
    }
    if (opaque != null) {
      a.put("opaque", opaque);
    }
    return send("add-fd", a, fd, options.commandTimeout())
        .thenApply(r -> decode("add-fd", r, new TypeReference<AddFdInfo>() {
        }));
  }

  /** {@code closefd}: closes an fd QEMU received with {@link #getfd}. */
  public CompletableFuture<Void> closefd(String fdName) {
    return execute("closefd", args("fdname", requireText("fdname", fdName))).thenApply(r -> null);
  }

  // ------------------------------------------------------------------ events

  /**
   * Delivers every event, in order, to {@code listener} on a listener-pool thread (never the I/O
   * thread). A listener that throws is logged and stays subscribed; a slow one delays only itself.
   */
  public QmpSubscription subscribe(Consumer<QmpEvent> listener) {
    return new Lane<>(Objects.requireNonNull(listener, "listener"), loop.listenerExecutor(), subscribers);
  }

  /**
   * Reports non-fatal protocol errors (reply without id, unknown id) and the fatal one that closed
   * the connection, if any. Same delivery rules as {@link #subscribe}.
   */
  public QmpSubscription onProtocolError(Consumer<QmpProtocolException> listener) {
    return new Lane<>(Objects.requireNonNull(listener, "listener"), loop.listenerExecutor(),
        protocolErrorListeners);
  }

  /**
   * The first event from now on that matches; fails with {@link QmpTimeoutException} after
   * {@code timeout}, or {@link QmpConnectionClosedException}. Register it <em>before</em> sending the
   * command that causes the event. {@code match} runs on the I/O thread and must be quick; the
   * future completes there too.
   */
  public CompletableFuture<QmpEvent> awaitEvent(Predicate<QmpEvent> match, Duration timeout) {
    Objects.requireNonNull(match, "match");
    QmpOptions.requirePositive("timeout", timeout);
    CompletableFuture<QmpEvent> f = new CompletableFuture<>();
    onLoop(() -> {
      if (closeReason != null) {
        f.completeExceptionally(closeReason);
        return;
      }
      Awaiter a = new Awaiter(match, f);
      awaiters.add(a);
      a.timeoutTask = channel.eventLoop().schedule(() -> {
        awaiters.remove(a);
        f.completeExceptionally(new QmpTimeoutException(socketPath, "(event)", timeout,
            "No matching QMP event on " + socketPath + " within " + QmpTimeoutException.format(timeout)));
      }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }, f);
    return f;
  }

  /** Awaits the first event named {@code name}. */
  public CompletableFuture<QmpEvent> awaitEvent(String name, Duration timeout) {
    Objects.requireNonNull(name, "name");
    return awaitEvent(e -> e.name().equals(name), timeout);
  }

  private static final class Awaiter {
    final Predicate<QmpEvent> match;
    final CompletableFuture<QmpEvent> future;
    ScheduledFuture<?> timeoutTask;

    Awaiter(Predicate<QmpEvent> match, CompletableFuture<QmpEvent> future) {
      this.match = match;
      this.future = future;
    }
  }

  // ------------------------------------------------------------------ closing

  /**
   * Closes the connection: every pending command fails with {@link QmpConnectionClosedException}.
   * Waits (up to 2 s, unless called on the I/O thread) until that has happened.
   */
  @Override
  public void close() {
    closeWith(new QmpConnectionClosedException(socketPath, "closed by the client"));
    Channel ch = channel;
    if (ch != null && !ch.eventLoop().inEventLoop()) {
      try {
        closeFuture.get(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.debug("{}: close did not finish in 2 s", socketPath, e);
      }
    }
  }

  private void closeWith(QmpConnectionClosedException reason) {
    Channel ch = channel;
    if (ch == null) {
      return;
    }
    Runnable task = () -> {
      if (closeReason == null) {
        closeReason = reason;
      }
      ch.close();
    };
    if (ch.eventLoop().inEventLoop()) {
      task.run();
    } else {
      try {
        ch.eventLoop().execute(task);
      } catch (RejectedExecutionException e) {
        ch.close(); // loop shutting down closes its channels anyway
      }
    }
  }

  private void onInactive() {
    QmpConnectionClosedException reason = closeReason;
    if (reason == null) {
      reason = new QmpConnectionClosedException(socketPath, greeting == null
          ? "QEMU closed the connection before sending the QMP greeting"
          : peerClosed("EOF"));
      closeReason = reason;
    }
    LOG.debug("{}: {}", socketPath, reason.getMessage());
    pipeline.failAll(reason);
    for (Awaiter a : awaiters) {
      a.timeoutTask.cancel(false);
      a.future.completeExceptionally(reason);
    }
    awaiters.clear();
    connected.completeExceptionally(reason);
    closeFuture.complete(null);
  }

  // ------------------------------------------------------------------ inbound

  private final class Inbound extends SimpleChannelInboundHandler<JsonNode> {
    /**
     * SO_PEERCRED is read here, before the first read of the connection: a listener on the connect
     * future could run after the greeting handshake completed {@code connected} (seen under load).
     * If it fails, the connect fails: a client without QEMU's pid would only fail later, as a
     * null {@link #peerCredentials()}.
     */
    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      io.netty.channel.unix.PeerCredentials pc;
      try {
        pc = peerCredentialsFault.apply(SO_PEERCRED).read(socketPath, (EpollDomainSocketChannel) ctx.channel());
      } catch (IOException | RuntimeException e) { // Netty's native getsockopt throws ChannelException
        QmpPeerCredentialsException failure = new QmpPeerCredentialsException(socketPath, e);
        connected.completeExceptionally(failure);
        closeWith(new QmpConnectionClosedException(socketPath, failure.getMessage(), failure));
        return; // closed: nothing downstream needs to know it was ever active
      }
      int[] gids = pc.gids();
      peerCredentials = new PeerCredentials(pc.pid(), pc.uid(), gids.length > 0 ? gids[0] : -1);
      super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, JsonNode msg) {
      if (closeReason != null) {
        return; // lines still buffered after we decided to close
      }
      if (greeting == null) {
        onGreeting(msg);
      } else if (msg.has("event")) {
        onEvent(msg);
      } else if (msg.has("return") || msg.has("error")) {
        pipeline.onReply(msg);
      } else {
        reportProtocolError(new QmpProtocolException(socketPath,
            "QMP server " + socketPath + " sent a message that is neither reply nor event; ignored: " + msg));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      QmpException fatal = classify(cause);
      if (cause instanceof IOException) {
        LOG.info("{}", fatal.getMessage()); // QEMU exiting with unread input resets the socket
      } else {
        LOG.warn("{}", fatal.getMessage(), fatal.getCause());
      }
      if (fatal instanceof QmpProtocolException) {
        reportProtocolError((QmpProtocolException) fatal);
      }
      connected.completeExceptionally(fatal);
      closeWith(fatal instanceof QmpConnectionClosedException ? (QmpConnectionClosedException) fatal
          : new QmpConnectionClosedException(socketPath, fatal.getMessage(), fatal));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      onInactive();
      ctx.fireChannelInactive();
    }
  }

  private QmpException classify(Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      return new QmpProtocolException(socketPath, "QMP server " + socketPath + " sent a line longer than "
          + options.maxFrameBytes() + " bytes (QmpOptions.maxFrameBytes); the connection was closed", cause);
    }
    if (cause instanceof DecoderException && cause.getCause() instanceof QmpProtocolException) {
      return (QmpProtocolException) cause.getCause();
    }
    if (cause instanceof Errors.NativeIoException) {
      int errno = Math.abs(((Errors.NativeIoException) cause).expectedErr());
      if (errno == EPIPE || errno == ECONNRESET) { // same as EOF, just noticed while writing
        return new QmpConnectionClosedException(socketPath, peerClosed(errno == EPIPE ? "broken pipe"
            : "connection reset"), cause);
      }
    }
    if (cause instanceof IOException) {
      return new QmpConnectionClosedException(socketPath, "I/O error: " + cause.getMessage(), cause);
    }
    return new QmpConnectionClosedException(socketPath, "internal error in the QMP client: " + cause, cause);
  }

  private static String peerClosed(String how) {
    return "QEMU closed the connection (" + how + ": the VM quit or crashed)";
  }

  private void onGreeting(JsonNode msg) {
    QmpGreeting g;
    try {
      g = parseGreeting(msg);
    } catch (RuntimeException e) {
      QmpProtocolException pe = new QmpProtocolException(socketPath, "QMP server " + socketPath
          + " sent an invalid greeting (is this a QMP socket, not HMP or a serial console?): " + abbreviate(msg), e);
      connected.completeExceptionally(pe);
      closeWith(new QmpConnectionClosedException(socketPath, pe.getMessage(), pe));
      return;
    }
    greeting = g;
    boolean oob = options.enableOob() && g.offers("oob");
    ObjectNode args = null;
    if (oob) {
      args = QmpJson.MAPPER.createObjectNode();
      args.putArray("enable").add("oob");
    }
    LOG.debug("{}: QEMU {} offers {}; enabling oob: {}", socketPath, g.version(), g.capabilities(), oob);
    send("qmp_capabilities", args, -1, options.connectTimeout()).whenComplete((r, e) -> {
      if (e != null) {
        connected.completeExceptionally(e);
        closeWith(new QmpConnectionClosedException(socketPath, "capabilities negotiation failed", e));
        return;
      }
      oobEnabled = oob;
      pipeline.limit(oob ? OOB_IN_FLIGHT : 1);
      if (!connected.complete(this)) {
        closeWith(new QmpConnectionClosedException(socketPath, "connection setup was abandoned"));
      }
    });
  }

  private static QmpGreeting parseGreeting(JsonNode msg) {
    JsonNode qmp = msg.get("QMP");
    if (qmp == null || !qmp.isObject()) {
      throw new IllegalArgumentException("no 'QMP' object");
    }
    QmpVersion version = parseVersion(qmp.get("version"), "greeting");
    JsonNode caps = qmp.get("capabilities");
    if (caps == null || !caps.isArray()) {
      throw new IllegalArgumentException("no 'capabilities' array");
    }
    List<String> list = new ArrayList<>();
    caps.forEach(c -> list.add(c.asText()));
    return new QmpGreeting(version, list);
  }

  private static QmpVersion parseVersion(JsonNode v, String what) {
    JsonNode q = v == null ? null : v.get("qemu");
    if (q == null || !q.path("major").isInt() || !q.path("minor").isInt() || !q.path("micro").isInt()) {
      throw new IllegalArgumentException("no version.qemu {major, minor, micro} in " + what + ": " + v);
    }
    return new QmpVersion(q.get("major").intValue(), q.get("minor").intValue(), q.get("micro").intValue(),
        v.path("package").asText(""));
  }

  private void onEvent(JsonNode msg) {
    JsonNode data = msg.get("data");
    JsonNode ts = msg.path("timestamp");
    QmpEvent event = new QmpEvent(msg.get("event").asText(),
        data != null ? data : JsonNodeFactory.instance.objectNode(),
        ts.path("seconds").asLong(-1), ts.path("microseconds").asLong(-1));
    for (Iterator<Awaiter> it = awaiters.iterator(); it.hasNext(); ) {
      Awaiter a = it.next();
      boolean done;
      try {
        done = a.future.isDone() || (a.match.test(event) && a.future.complete(event));
      } catch (RuntimeException e) {
        done = a.future.completeExceptionally(e);
      }
      if (done) {
        a.timeoutTask.cancel(false);
        it.remove();
      }
    }
    for (Lane<QmpEvent> lane : subscribers) {
      lane.offer(event);
    }
  }

  private void reportProtocolError(QmpProtocolException e) {
    for (Lane<QmpProtocolException> lane : protocolErrorListeners) {
      lane.offer(e);
    }
  }

  // ------------------------------------------------------------------ helpers

  private <T> T decode(String command, JsonNode reply, TypeReference<T> type) {
    try {
      return QmpJson.MAPPER.readerFor(type).readValue(reply);
    } catch (IOException | IllegalArgumentException e) {
      throw new QmpProtocolException(socketPath, "Unexpected reply to '" + command + "' from " + socketPath
          + ": " + e.getMessage(), e);
    }
  }

  private static ObjectNode args(String key, String value) {
    return QmpJson.MAPPER.createObjectNode().put(key, value);
  }

  private static String requireText(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " is '" + value + "'; it must be a non-empty string");
    }
    return value;
  }

  private static void requireFd(int fd) {
    if (fd < 0) {
      throw new IllegalArgumentException("fd is " + fd + "; it must be an open file descriptor (>= 0)");
    }
  }

  private static void requireKeys(String command, Map<String, ?> map, String... keys) {
    Objects.requireNonNull(map, command + " arguments");
    for (String k : keys) {
      Object v = map.get(k);
      if (v == null || v.toString().isBlank()) {
        throw new IllegalArgumentException(command + " argument '" + k + "' is " + (v == null ? "missing" : "'" + v + "'")
            + "; it must be a non-empty string (required: " + String.join(", ", keys) + ")");
      }
    }
  }

  private static String abbreviate(JsonNode msg) {
    String s = msg.toString();
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  @Override
  public String toString() {
    return "QmpClient[" + socketPath + (isOpen() ? "" : ", closed") + "]";
  }
}
