package io.qtune.qmp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.jna.LastErrorException;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.unix.UnixChannel;
import io.qtune.qmp.QmpCommandException;
import io.qtune.qmp.QmpException;
import io.qtune.qmp.QmpProtocolException;
import io.qtune.qmp.QmpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands from submission to reply: a FIFO queue in the client, at most {@code limit} commands on
 * the wire (QEMU's request queue holds 8 with OOB, 1 without; beyond that it stops reading), replies
 * matched by id. Every method runs on the channel's event loop, so no locking.
 *
 * <p>A command that timed out while on the wire still occupies a slot until its late reply arrives,
 * because QEMU is still working on it.
 *
 * <p>Timeouts use one timer per connection, set for the earliest deadline of the pending commands:
 * commands mostly share one timeout, so a later command needs no timer of its own, and a reply
 * cancels nothing (a scheduled task and its cancellation per command were most of the client's
 * per-command work beside Jackson). When the timer fires it times out what is due and re-arms for
 * the next deadline, if any command is still pending.
 */
public final class CommandPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(CommandPipeline.class);

  private final Channel channel;
  private final Path socketPath;
  private final Consumer<QmpProtocolException> protocolErrors;
  private final ArrayDeque<PendingCommand> queue = new ArrayDeque<>();
  private final Map<String, PendingCommand> onWire = new HashMap<>();
  private int limit = 1;
  private int maxObservedOnWire;
  /** An fd-carrying command waiting for the outbound buffer to drain; blocks later writes. */
  private PendingCommand fdInProgress;
  private boolean failed;
  /** The connection's one timeout timer (null when none is armed) and when it fires (nanoTime). */
  private ScheduledFuture<?> timer;
  private long timerAt;

  public CommandPipeline(Channel channel, Path socketPath, Consumer<QmpProtocolException> protocolErrors) {
    this.channel = channel;
    this.socketPath = socketPath;
    this.protocolErrors = protocolErrors;
  }

  /** Commands allowed on the wire at once. */
  public void limit(int limit) {
    this.limit = limit;
    pump();
  }

  public int limit() {
    return limit;
  }

  /** Highest number of commands that were on the wire at once (for tests and benchmarks). */
  public int maxObservedOnWire() {
    return maxObservedOnWire;
  }

  /** Queues the command (in order) and writes what the limit allows. */
  public void submit(PendingCommand cmd, QmpException closedReason) {
    if (failed) {
      cmd.future.completeExceptionally(closedReason);
      return;
    }
    queue.add(cmd);
    armTimer(cmd.deadline);
    pump();
  }

  /** Arms the timer for {@code deadline} unless it already fires no later. */
  private void armTimer(long deadline) {
    if (timer != null && timerAt - deadline <= 0) {
      return;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerAt = deadline;
    timer = channel.eventLoop().schedule(this::expire, Math.max(0, deadline - System.nanoTime()),
        TimeUnit.NANOSECONDS);
  }

  /** The timer fired: times out every pending command that is due, re-arms for the next one. */
  private void expire() {
    timer = null;
    if (failed) {
      return;
    }
    long now = System.nanoTime();
    long next = 0;
    boolean pending = false;
    List<PendingCommand> due = new ArrayList<>();
    for (Iterable<PendingCommand> cmds : List.of(onWire.values(), queue)) {
      for (PendingCommand cmd : cmds) {
        if (cmd.future.isDone()) {
          continue; // timed out already (on the wire: its late reply still due)
        }
        if (cmd.deadline - now <= 0) {
          due.add(cmd);
        } else if (!pending || cmd.deadline - next < 0) {
          next = cmd.deadline;
          pending = true;
        }
      }
    }
    // completing a future runs its callbacks here, which may submit commands: not while iterating
    due.forEach(this::timeOut);
    if (pending) {
      armTimer(next);
    }
  }

  private void timeOut(PendingCommand cmd) {
    if (cmd.future.completeExceptionally(new QmpTimeoutException(socketPath, cmd.name, cmd.timeout))) {
      LOG.warn("{}: command '{}' (id {}) timed out after {}", socketPath, cmd.name, cmd.id, cmd.timeout);
    }
  }

  /** Routes a message with {@code return} or {@code error} to the command that sent its id. */
  public void onReply(JsonNode msg) {
    JsonNode idNode = msg.get("id");
    if (idNode == null) {
      report("QMP server " + socketPath + " sent a reply without an id (QEMU does this when it could not "
          + "parse a request); it was not given to any command: " + msg);
      return;
    }
    PendingCommand cmd = idNode.isTextual() ? onWire.remove(idNode.textValue()) : null;
    if (cmd == null) {
      report("QMP server " + socketPath + " sent a reply with id " + idNode
          + " which matches no command in flight; it was dropped: " + msg);
      return;
    }
    JsonNode error = msg.get("error");
    boolean delivered;
    if (error != null) {
      delivered = cmd.future.completeExceptionally(new QmpCommandException(socketPath, cmd.name,
          error.path("class").asText("(no class)"), error.path("desc").asText("(no description)")));
    } else if (msg.has("return")) {
      delivered = cmd.future.complete(msg.get("return"));
    } else {
      delivered = cmd.future.completeExceptionally(new QmpProtocolException(socketPath,
          "QMP reply to '" + cmd.name + "' from " + socketPath + " has neither 'return' nor 'error': " + msg));
    }
    if (!delivered) {
      LOG.info("{}: dropping late reply to '{}' (id {}), the caller gave up on it already", socketPath,
          cmd.name, cmd.id);
    }
    pump();
  }

  /** Fails every queued and in-flight command; later submissions fail at once. */
  public void failAll(QmpException reason) {
    failed = true;
    List<PendingCommand> all = new ArrayList<>(onWire.values());
    all.addAll(queue);
    onWire.clear();
    queue.clear();
    fdInProgress = null;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    for (PendingCommand cmd : all) {
      cmd.future.completeExceptionally(reason);
    }
  }

  private void report(String message) {
    QmpProtocolException e = new QmpProtocolException(socketPath, message);
    LOG.warn(message);
    protocolErrors.accept(e);
  }

  private void pump() {
    if (failed || fdInProgress != null) {
      return;
    }
    boolean wrote = false;
    while (onWire.size() < limit && !queue.isEmpty()) {
      PendingCommand cmd = queue.poll();
      if (cmd.future.isDone()) {
        continue; // timed out or cancelled while queued: never sent
      }
      onWire.put(cmd.id, cmd);
      maxObservedOnWire = Math.max(maxObservedOnWire, onWire.size());
      if (JsonLineDecoder.TRAFFIC.isDebugEnabled()) {
        JsonLineDecoder.TRAFFIC.debug("{} -> {}{}", socketPath,
            new String(cmd.bytes, StandardCharsets.UTF_8).strip(), cmd.fd >= 0 ? " (+fd " + cmd.fd + ")" : "");
      }
      if (cmd.fd < 0) {
        channel.write(Unpooled.wrappedBuffer(cmd.bytes), channel.voidPromise());
        wrote = true;
        continue;
      }
      if (wrote) {
        channel.flush();
        wrote = false;
      }
      fdInProgress = cmd;
      if (!trySendWithFd()) {
        return;
      }
    }
    if (wrote) {
      channel.flush();
    }
  }

  /** @return true when done (sent or failed), false when it will retry later */
  private boolean trySendWithFd() {
    PendingCommand cmd = fdInProgress;
    if (!channel.isActive()) {
      return false; // channelInactive fails everything
    }
    if (cmd.future.isDone()) { // timed out before it could be sent
      fdInProgress = null;
      onWire.remove(cmd.id);
      return true;
    }
    ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
    if (outbound != null && !outbound.isEmpty()) {
      channel.flush();
      retryFdLater();
      return false;
    }
    try {
      long sent = ScmRights.send(((UnixChannel) channel).fd().intValue(), cmd.bytes, cmd.fd);
      fdInProgress = null;
      if (sent < cmd.bytes.length) { // the fd went with the first byte; the rest is plain data
        channel.writeAndFlush(Unpooled.wrappedBuffer(cmd.bytes, (int) sent, cmd.bytes.length - (int) sent),
            channel.voidPromise());
      }
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ScmRights.EAGAIN) {
        retryFdLater();
        return false;
      }
      fdInProgress = null;
      onWire.remove(cmd.id);
      cmd.future.completeExceptionally(new QmpException(socketPath, "Could not pass fd " + cmd.fd + " with '"
          + cmd.name + "' to " + socketPath + ": sendmsg failed with errno " + e.getErrorCode()
          + " (" + e.getMessage() + "); is the fd open?", e));
      return true;
    }
  }

  private void retryFdLater() {
    channel.eventLoop().schedule(() -> {
      if (fdInProgress != null && !failed && trySendWithFd()) {
        pump();
      }
    }, 1, TimeUnit.MILLISECONDS);
  }
}
