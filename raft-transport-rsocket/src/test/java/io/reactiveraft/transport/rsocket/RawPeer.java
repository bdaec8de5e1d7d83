package io.reactiveraft.transport.rsocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.reactiveraft.message.RaftMessage;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.frame.decoder.PayloadDecoder;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.ByteBufPayload;
import java.net.InetSocketAddress;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * A bare RSocket client that talks to a transport's port the way a peer would, or not: it sends
 * whatever SETUP and frames a test gives it.
 */
final class RawPeer implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final RSocket socket;

  private RawPeer(RSocket socket) {
    this.socket = socket;
  }

  /**
   * Connects with a Raft SETUP in which {@code memberId} calls {@code peerId}, made from the given
   * credentials.
   */
  static RawPeer connect(
      InetSocketAddress to, String clusterId, String memberId, String peerId, String secret) {
    return connect(
        to, RaftSetup.payload(clusterId, memberId, peerId, secret.getBytes()), RaftSetup.MIME_TYPE);
  }

  /** Connects with any SETUP payload and data MIME type. */
  static RawPeer connect(InetSocketAddress to, Payload setup, String mimeType) {
    RSocket socket =
        RSocketConnector.create()
            .setupPayload(setup)
            .dataMimeType(mimeType)
            .payloadDecoder(PayloadDecoder.ZERO_COPY)
            .connect(TcpClientTransport.create(to))
            .block(TIMEOUT);
    return new RawPeer(socket);
  }

  RSocket socket() {
    return socket;
  }

  /** Sends {@code message} encoded for the default group; the answer's payload is released. */
  Mono<Void> send(RaftMessage message) {
    return sendFrame(RaftFrameCodec.encode(ByteBufAllocator.DEFAULT, "default", message));
  }

  /** Sends raw frame bytes (taking ownership of {@code frame}) as a request-response. */
  Mono<Void> sendFrame(ByteBuf frame) {
    return socket.requestResponse(ByteBufPayload.create(frame)).doOnNext(Payload::release).then();
  }

  @Override
  public void close() {
    socket.dispose();
    socket.onClose().onErrorResume(e -> Mono.empty()).block(TIMEOUT);
  }
}
