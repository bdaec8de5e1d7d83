package io.reactiveraft.transport.rsocket;

import io.netty.handler.ssl.SslContext;
import io.reactiveraft.Member;
import io.rsocket.RSocket;
import java.time.Duration;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * The validated settings of one {@link RSocketTransport}, as {@link RSocketTransportBuilder} made
 * them. Immutable ({@code loops} is null unless the caller shares its own); the secret array is a
 * private copy that nothing modifies.
 */
record TransportSettings(
    String bindAddress,
    String clusterId,
    byte[] secret,
    String group,
    int maxFrameSize,
    int maxInFlightPerPeer,
    Duration requestTimeout,
    Duration connectTimeout,
    Backoff reconnectBackoff,
    Duration keepAliveInterval,
    Duration keepAliveMaxLifetime,
    SslContext serverTls,
    SslContext clientTls,
    int ioThreads,
    LoopResources loops,
    boolean listen,
    Function<Member, Mono<RSocket>> connector) {

  /** How long a connection may stay silent before sending its SETUP frame. */
  static final Duration SETUP_TIMEOUT = Duration.ofSeconds(10);

  /** How long binding the port, and closing everything, may take. */
  static final Duration LIFECYCLE_TIMEOUT = Duration.ofSeconds(10);
}
