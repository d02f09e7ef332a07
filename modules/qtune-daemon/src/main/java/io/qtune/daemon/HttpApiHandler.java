package io.qtune.daemon;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection: routes each request, checks the caller's right to change things, runs the
 * route off the event loop (library operations block on QMP; kernel-only routes excepted, see
 * {@link Route#onLoop}), and answers in order: the next
 * request is read only once the previous one is answered, so keep-alive and pipelining never
 * reorder responses. {@code GET /v1/events} turns the connection into a chunked NDJSON stream.
 */
final class HttpApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApiHandler.class);
  static final AttributeKey<Caller> CALLER = AttributeKey.valueOf("qtune.caller");

  private final Router router;
  private final EventLog events;
  private final Executor workers;
  private final Function<String, Boolean> allowedPath;
  private final MetricsSource metrics;
  /** This connection's last reply: the next request runs after it is written (event-loop only). */
  private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

  /**
   * @param allowedPath which paths this listener serves (the metrics listener serves /metrics only)
   */
  HttpApiHandler(Router router, EventLog events, Executor workers, MetricsSource metrics,
      Function<String, Boolean> allowedPath) {
    this.metrics = metrics;
    this.router = router;
    this.events = events;
    this.workers = workers;
    this.allowedPath = allowedPath;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    ctx.channel().config().setAutoRead(false); // one request at a time per connection
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    QueryStringDecoder uri = new QueryStringDecoder(req.uri());
    String method = req.method().name();
    String path = uri.path();
    String instance = method + " " + path;
    Caller caller = ctx.channel().attr(CALLER).get();
    byte[] body = new byte[req.content().readableBytes()];
    req.content().readBytes(body);
    Router.Match match;
    try {
      if (!allowedPath.apply(path)) {
        throw ApiException.notFound("only /metrics is served here");
      }
      match = router.find(method, path);
      if (match.route().changes() && (caller == null || !caller.mayChange())) {
        LOG.warn("refused {} by {}: not root nor in group qtune", instance, caller);
        throw ApiException.forbidden(instance + " changes things: only root and members of group qtune may; "
            + "you are " + (caller == null ? "unknown" : caller) + " and may only read (GET)");
      }
    } catch (ApiException e) {
      Response refused = Response.problem(Problem.of(e, instance, null));
      previous = previous.thenCompose(x -> write(ctx, refused, keepAlive));
      return;
    }
    Route route = match.route();
    if (route.changes()) {
      LOG.info("{} by {}", instance, caller);
    }
    Request request = new Request(method, path, decode(match.params()), uri.parameters(), body, caller);
    if (route.template().equals("/v1/events")) {
      previous = previous.thenRun(() -> ctx.executor().execute(() -> stream(ctx, request)));
      return;
    }
    // one request at a time per connection, in order: a pipelined request waits for the reply before it
    previous = previous.thenCompose(x -> respond(ctx, route, request, keepAlive));
  }

  private CompletableFuture<Void> respond(ChannelHandlerContext ctx, Route route, Request request, boolean keepAlive) {
    String method = request.method();
    String instance = request.instance();
    long start = System.nanoTime();
    CompletableFuture<Response> work = route.onLoop() ? onLoop(route, request)
        : CompletableFuture.supplyAsync(() -> route.handler().handle(request), workers).thenCompose(f -> f);
    return work
        .handle((resp, err) -> {
          if (err == null) {
            return resp;
          }
          Problem p = Problem.of(err, instance, route.field());
          if (p.status() >= 500) {
            LOG.warn("{} failed: {}", instance, p.detail());
            if (route.changes()) {
              Map<String, Object> data = new HashMap<>();
              data.put("operation", instance);
              data.put("status", p.status());
              data.put("detail", p.detail());
              events.publish("operation-failed", request.param("name"), data);
            }
          }
          return Response.problem(p);
        })
        .thenCompose(resp -> {
          if (!route.template().equals("/metrics")) {
            // the route's template, never the path: a VM name is no label value
            metrics.operation(method + " " + route.template(), Duration.ofNanos(System.nanoTime() - start),
                resp.status() < 400);
          }
          return write(ctx, resp, keepAlive);
        });
  }

  /** A kernel-only route, called right here (see {@link Route#onLoop}); a throw becomes a failed future. */
  private static CompletableFuture<Response> onLoop(Route route, Request request) {
    try {
      return route.handler().handle(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static Map<String, String> decode(Map<String, String> params) {
    Map<String, String> out = new HashMap<>();
    params.forEach((k, v) -> out.put(k, QueryStringDecoder.decodeComponent(v, StandardCharsets.UTF_8)));
    return out;
  }

  /** Writes the reply; completes once it is written (or the connection is gone). */
  private CompletableFuture<Void> write(ChannelHandlerContext ctx, Response r, boolean keepAlive) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
        Unpooled.wrappedBuffer(r.body()));
    if (r.contentType() != null) {
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    }
    r.headers().forEach((k, v) -> resp.headers().set(k, v));
    HttpUtil.setContentLength(resp, r.body().length);
    HttpUtil.setKeepAlive(resp, keepAlive);
    var f = ctx.writeAndFlush(resp);
    if (keepAlive) {
      f.addListener(x -> {
        ctx.channel().config().setAutoRead(true);
        ctx.read();
        done.complete(null);
      });
    } else {
      f.addListener(ChannelFutureListener.CLOSE);
      f.addListener(x -> done.complete(null));
    }
    return done;
  }

  /** The event stream: headers, then one chunk per event until the client closes. */
  private void stream(ChannelHandlerContext ctx, Request request) {
    Long since = null;
    String s = request.queryParam("since");
    if (s != null) {
      try {
        since = Long.parseLong(s);
      } catch (NumberFormatException e) {
        since = -1L;
      }
      if (since < 0) {
        write(ctx, Response.problem(Problem.of(ApiException.badRequest("since must be a non-negative integer, got '"
            + s + "'", "since"), request.instance(), null)), false);
        return;
      }
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson");
    head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    HttpUtil.setTransferEncodingChunked(head, true);
    ctx.writeAndFlush(head);
    // bounded per subscriber and written only while the connection is writable (docs/daemon.md)
    EventStream stream = new EventStream(ctx.channel(), EventStream.BACKLOG);
    ctx.pipeline().addFirst("event-stream", stream);
    Runnable unsubscribe = events.subscribe(since, stream);
    stream.unsubscribeWith(unsubscribe);
    ctx.channel().closeFuture().addListener(x -> unsubscribe.run());
    // keep reading so the client's close is seen; the stream drops anything it sends
    ctx.channel().config().setAutoRead(true);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("connection error: {}", cause.toString());
    ctx.close();
  }

}
