package io.reactiveraft.transport.rsocket;

import io.reactiveraft.message.RaftMessage;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The stream of decoded inbound messages handed to the node.
 *
 * <p>Connections deliver on their own Netty threads; the sink of {@link Flux#create} serializes
 * those concurrent emissions with a queue instead of failing or spinning, and buffers what the
 * subscriber has not requested yet (the node requests without bound and queues into its event
 * loop). Thread-safe; one subscriber.
 */
final class InboundMessages {

  private final AtomicBoolean completed = new AtomicBoolean();
  private volatile FluxSink<RaftMessage> sink;

  /**
   * The messages, for one subscriber at a time; a second concurrent subscriber gets an error, and
   * one that comes after {@link #complete()} completes at once.
   */
  Flux<RaftMessage> flux() {
    return Flux.create(
        s -> {
          synchronized (this) {
            if (completed.get()) {
              s.complete();
              return;
            }
            if (sink != null) {
              s.error(new IllegalStateException("the inbound messages have one subscriber"));
              return;
            }
            sink = s;
          }
          s.onDispose(this::unsubscribed);
        },
        FluxSink.OverflowStrategy.BUFFER);
  }

  /**
   * Hands a message to the subscriber.
   *
   * @return false when no one is subscribed (not yet, or no longer)
   */
  boolean offer(RaftMessage message) {
    FluxSink<RaftMessage> s = sink;
    if (s == null || s.isCancelled()) {
      return false;
    }
    s.next(message);
    return true;
  }

  /** Completes the stream; later offers are refused. Idempotent. */
  void complete() {
    FluxSink<RaftMessage> s;
    synchronized (this) {
      completed.set(true);
      s = sink;
      sink = null;
    }
    if (s != null) {
      s.complete();
    }
  }

  private synchronized void unsubscribed() {
    sink = null;
  }
}
