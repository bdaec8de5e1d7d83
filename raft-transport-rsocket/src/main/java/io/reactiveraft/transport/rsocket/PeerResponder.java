package io.reactiveraft.transport.rsocket;

import io.rsocket.Payload;
import io.rsocket.RSocket;
import reactor.core.publisher.Mono;

/**
 * The responder of one authenticated inbound connection: request-response carries Raft messages;
 * the other interactions keep RSocket's default answer (an error, payload released). Snapshot
 * chunks are Raft messages like the others, one request-response each.
 *
 * <p>Thread-safe; called on the connection's Netty thread.
 */
final class PeerResponder implements RSocket {

  private final String peerId;
  private final InboundDispatcher dispatcher;

  PeerResponder(String peerId, InboundDispatcher dispatcher) {
    this.peerId = peerId;
    this.dispatcher = dispatcher;
  }

  @Override
  public Mono<Payload> requestResponse(Payload payload) {
    return dispatcher.handle(peerId, payload);
  }
}
