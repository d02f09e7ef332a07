package io.qtune.daemon;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open {@code GET /v1/events}: the events for this subscriber wait in a queue of at most
 * {@link #BACKLOG} and are written only while the connection is writable (Netty's high-water
 * mark), so a slow or stalled reader costs a bounded amount of memory. When the queue would
 * overflow, the queue is dropped, the stream gets one last line {@code {"type":"events-lost",
 * "data":{"since":N}}} (N the last seq written to this stream) and ends; the client reconnects
 * with {@code ?since=N}. Also drops whatever the client sends on this connection.
 */
final class EventStream extends ChannelInboundHandlerAdapter implements Consumer<Event> {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
  /** Events queued for one subscriber beyond what its connection has taken (4 × the retained log). */
  static final int BACKLOG = 4 * EventLog.RETAINED;

  private final Channel channel;
  private final int backlog;
  private final ArrayDeque<Event> queue = new ArrayDeque<>(); // guarded by itself
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private boolean lost; // guarded by queue
  private boolean ended; // event loop only
  private long written; // event loop only: the last seq written to the connection
  private Runnable unsubscribe = () -> {};

  EventStream(Channel channel, int backlog) {
    this.channel = channel;
    this.backlog = backlog;
  }

  void unsubscribeWith(Runnable unsubscribe) {
    this.unsubscribe = unsubscribe;
  }

  /** From the publishing thread (under the event log's lock): queue, never write or block. */
  @Override
  public void accept(Event e) {
    synchronized (queue) {
      if (lost) {
        return;
      }
      if (queue.size() >= backlog) {
        lost = true;
        queue.clear(); // the memory goes now, not when (if ever) the client reads
      } else {
        queue.addLast(e);
      }
    }
    if (scheduled.compareAndSet(false, true)) {
      channel.eventLoop().execute(this::drain);
    }
  }

  /** On the event loop: writes queued events while the connection takes them. */
  private void drain() {
    scheduled.set(false);
    if (ended || !channel.isActive()) {
      return;
    }
    boolean wrote = false;
    while (channel.isWritable()) {
      Event e;
      synchronized (queue) {
        e = queue.pollFirst();
        if (e == null && lost) {
          end();
          return;
        }
      }
      if (e == null) {
        break;
      }
      channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(line(Views.event(e)))));
      written = e.seq();
      wrote = true;
    }
    if (wrote) {
      channel.flush();
    }
    synchronized (queue) {
      if (lost && !ended && channel.isWritable()) {
        end();
      }
    }
  }

  /** The last line: what was lost, then the end of the chunked stream and of the connection. */
  private void end() {
    ended = true;
    unsubscribe.run();
    Map<String, Object> lostLine = new LinkedHashMap<>();
    lostLine.put("time", Instant.now().toString());
    lostLine.put("type", "events-lost");
    lostLine.put("data", Map.of("since", written, "backlog", backlog));
    LOG.warn("event subscriber on {} fell {} events behind: dropped after seq {}, stream ended",
        channel.remoteAddress(), backlog, written);
    channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(line(lostLine))));
    channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
  }

  private static byte[] line(Map<String, Object> m) {
    byte[] json = Json.bytes(m);
    byte[] out = new byte[json.length + 1];
    System.arraycopy(json, 0, out, 0, json.length);
    out[json.length] = '\n';
    return out;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      drain();
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** The client has nothing more to say on a stream: anything it sends is dropped. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  /** Queued events now (for tests and the daemon's own view). */
  int queued() {
    synchronized (queue) {
      return queue.size();
    }
  }
}
