package io.planline.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.planline.config.ServingConfig;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the server's connections below routing, where Micronaut's own answers are not ours:
 * at most {@code planline.max-connections} are open at once (one more is closed as soon as it is
 * accepted, so file descriptors stay available for health checks), and a request line or header
 * block over Netty's limits is answered 414 or 431 with a JSON error instead of a bare 413.
 */
@Singleton
final class ConnectionGuard implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int maxConnections;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  ConnectionGuard(ServingConfig config) {
    this.maxConnections = config.limits().maxConnections();
  }

  @Override
  public NettyServerCustomizer.Registry onCreated(
      BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
    event.getBean().register(new NettyServerCustomizer() {
      @Override
      public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
        return role == ChannelRole.CONNECTION ? admit(channel) : this;
      }
    });
    return event.getBean();
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }

  /** Connections closed at once because the cap was reached, since start. */
  int refused() {
    return refused.get();
  }

  private NettyServerCustomizer admit(Channel channel) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refused.incrementAndGet();
      LOG.debug("closing a connection from {}: {} open (planline.max-connections)",
          channel.remoteAddress(), maxConnections);
      channel.close();
      return new NettyServerCustomizer() { };
    }
    channel.closeFuture().addListener(f -> open.decrementAndGet());
    return new NettyServerCustomizer() {
      @Override
      public void onStreamPipelineBuilt() {
        if (channel.pipeline().get(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC) != null) {
          channel.pipeline().addAfter(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC,
              "planline-oversized-head", new OversizedHead());
        }
      }
    };
  }

  /** Answers a request whose line or headers the decoder gave up on, then closes. */
  private static final class OversizedHead extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof HttpObject h) || !h.decoderResult().isFailure()
          || !(h.decoderResult().cause() instanceof TooLongFrameException tooLong)) {
        ctx.fireChannelRead(msg);
        return;
      }
      ReferenceCountUtil.release(msg);
      HttpResponseStatus status;
      String message;
      if (tooLong instanceof TooLongHttpLineException) {
        status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
        message = "the request line is too long: " + tooLong.getMessage();
      } else if (tooLong instanceof TooLongHttpHeaderException) {
        status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        message = "the request headers are too large: " + tooLong.getMessage();
      } else {
        status = HttpResponseStatus.BAD_REQUEST;
        message = tooLong.getMessage();
      }
      ctx.writeAndFlush(response(status, message)).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String message) {
      byte[] body;
      try {
        body = JSON.writeValueAsBytes(Map.of("error", message));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
          Unpooled.wrappedBuffer(body));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      return r;
    }
  }
}
