package io.reactiveraft.spi;

import io.reactiveraft.Member;
import io.reactiveraft.message.RaftMessage;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Carries {@link RaftMessage}s between the members of one cluster.
 *
 * <p>Raft tolerates lost, duplicated and reordered messages, so a transport may drop a message it
 * cannot deliver (peer down, window full) rather than queue it without bound. It must never alter
 * one.
 *
 * <p>One transport instance serves one node. The node calls {@link #start} once, then {@link #send}
 * from its event loop, which must never block; and {@link #close} once when it closes.
 */
public interface Transport {

  /**
   * Starts serving {@code self} and returns the messages addressed to it. The returned {@code Flux}
   * is subscribed once by the node; messages may be emitted from any thread, one at a time.
   *
   * @param self the member this transport serves
   * @param peers the other members, to which {@link #send} may address messages
   */
  Flux<RaftMessage> start(Member self, Iterable<Member> peers);

  /**
   * Sends a message to {@code message.to()}, without blocking. Delivery is best effort.
   *
   * @throws IllegalArgumentException when the receiver is not a known peer
   */
  void send(RaftMessage message);

  /**
   * The cluster's membership changed: from now on {@code peers} are the members this node may send
   * to and accept connections from. Called from the event loop; must not block.
   */
  default void updatePeers(Iterable<Member> peers) {}

  /**
   * A single-threaded scheduler on the transport's own IO thread, for the node's event loop and
   * timers when its configuration names no scheduler. On it, the node writes to its connections and
   * hears inbound messages on them in the same turn, with no thread hand-off either way (the loop
   * never blocks, except to force term and vote). Asked once, before {@link #start}, for the member
   * {@code selfId}. A transport that offers one keeps that thread until its {@link #close}
   * completes, and the node then closes the transport after everything else of its own. The default
   * offers none: the node runs its loop on a thread of its own.
   */
  default Optional<Scheduler> eventLoop(String selfId) {
    return Optional.empty();
  }

  /** Releases ports and connections; completes when they are released. Idempotent. */
  Mono<Void> close();
}
