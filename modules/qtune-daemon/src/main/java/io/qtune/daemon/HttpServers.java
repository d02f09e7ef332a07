package io.qtune.daemon;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The daemon's listeners on one Netty event loop: the API on a unix socket (each connection's
 * caller from SO_PEERCRED) and, optionally, {@code /metrics} alone over TCP.
 */
final class HttpServers implements AutoCloseable {
  private static final int MAX_BODY = 1 << 20;
  private final EventLoopGroup group = new EpollEventLoopGroup(1);

  Channel bindUnix(Path socket, Callers callers, Supplier<HttpApiHandler> handler) {
    ServerBootstrap b = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
        .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
          @Override
          protected void initChannel(EpollDomainSocketChannel ch) throws IOException {
            PeerCredentials pc = ch.peerCredentials();
            int[] gids = pc.gids();
            ch.attr(HttpApiHandler.CALLER).set(callers.identify(pc.pid(), pc.uid(), gids.length > 0 ? gids[0] : -1));
            pipeline(ch, handler.get());
          }
        });
    return b.bind(new DomainSocketAddress(socket.toString())).syncUninterruptibly().channel();
  }

  Channel bindTcp(InetSocketAddress address, Supplier<HttpApiHandler> handler) {
    ServerBootstrap b = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            pipeline(ch, handler.get());
          }
        });
    return b.bind(address).syncUninterruptibly().channel();
  }

  private static void pipeline(Channel ch, HttpApiHandler h) {
    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY), h);
  }

  static Supplier<HttpApiHandler> handlers(Router router, EventLog events, Executor workers, MetricsSource metrics,
      Function<String, Boolean> allowedPath) {
    return () -> new HttpApiHandler(router, events, workers, metrics, allowedPath);
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }
}
