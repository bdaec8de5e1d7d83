package io.reactiveraft.transport.rsocket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.tcp.TcpServer;

/**
 * Closes a connection whose first RSocket frame claims to be larger than a SETUP frame can be.
 *
 * <p>Why: RSocket's TCP framing holds up to 16 MiB per frame, and Netty buffers a frame whole
 * before RSocket sees it, so before anyone has checked who connected. A stranger could open many
 * connections and make each one buffer 16 MiB, for as long as the server waits for a SETUP. The
 * first frame of a connection is its SETUP (cluster id, member id, token, MIME types: well under a
 * kilobyte), so its declared length is checked against {@link #FIRST_FRAME_LIMIT} as soon as its
 * three length bytes arrive; then the guard steps out of the pipeline, and the frames of an
 * accepted peer are limited only as RSocket limits them.
 */
final class FirstFrameGuard extends ByteToMessageDecoder {

  private static final Logger log = LoggerFactory.getLogger(FirstFrameGuard.class);

  /** The most a connection's first frame may declare. */
  static final int FIRST_FRAME_LIMIT = 64 * 1024;

  private static final int LENGTH_BYTES = 3;

  /** {@code tcp}, with every connection it accepts guarded. */
  static TcpServer guard(TcpServer tcp) {
    return tcp.doOnConnection(c -> c.addHandlerFirst(new FirstFrameGuard()));
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (in.readableBytes() < LENGTH_BYTES) {
      return;
    }
    int declared = in.getUnsignedMedium(in.readerIndex());
    if (declared > FIRST_FRAME_LIMIT) {
      log.debug(
          "closed a connection from {} whose first frame claims {} bytes",
          ctx.channel().remoteAddress(),
          declared);
      in.skipBytes(in.readableBytes());
      ctx.close();
      return;
    }
    // Removing a decoder hands what it holds to the next handler.
    ctx.pipeline().remove(this);
  }
}
