package io.reactiveraft.transport.rsocket;

import io.netty.channel.ChannelOption;
import io.reactiveraft.Member;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.frame.decoder.PayloadDecoder;
import io.rsocket.transport.netty.client.TcpClientTransport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpClient;

/**
 * The transport's own way to reach a peer: a fresh TCP connection (TLS if configured) on the
 * transport's event loops, no connection pool, and a SETUP frame that introduces this member.
 * Thread-safe; each call returns a cold {@code Mono} that connects when subscribed.
 */
final class TcpPeerConnector implements Function<Member, Mono<RSocket>> {

  private final TransportSettings settings;
  private final LoopResources loops;
  private final String selfId;

  /** Per peer, as each token names the peer; heap payloads, reused by every reconnection. */
  private final Map<String, Payload> setups = new ConcurrentHashMap<>();

  TcpPeerConnector(TransportSettings settings, String selfId, LoopResources loops) {
    this.settings = settings;
    this.loops = loops;
    this.selfId = selfId;
  }

  @Override
  public Mono<RSocket> apply(Member peer) {
    return Mono.defer(
        () -> {
          HostPort target = HostPort.parse(peer.address());
          TcpClient client =
              TcpClient.newConnection()
                  .runOn(loops)
                  .host(target.host())
                  .port(target.port())
                  .option(ChannelOption.TCP_NODELAY, true)
                  .option(
                      ChannelOption.CONNECT_TIMEOUT_MILLIS,
                      (int) settings.connectTimeout().toMillis());
          if (settings.clientTls() != null) {
            client = client.secure(spec -> spec.sslContext(settings.clientTls()));
          }
          return RSocketConnector.create()
              .setupPayload(
                  setups.computeIfAbsent(
                      peer.id(),
                      id -> RaftSetup.payload(settings.clusterId(), selfId, id, settings.secret())))
              .dataMimeType(RaftSetup.MIME_TYPE)
              .keepAlive(settings.keepAliveInterval(), settings.keepAliveMaxLifetime())
              // Answers come back on this connection: without a cap, RSocket reassembles a
              // fragmented one of any size (its client default is unbounded).
              .maxInboundPayloadSize(RSocketTransport.MAX_INBOUND_PAYLOAD_SIZE)
              .payloadDecoder(PayloadDecoder.ZERO_COPY)
              .connect(TcpClientTransport.create(client));
        });
  }
}
