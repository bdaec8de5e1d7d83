package io.reactiveraft.transport.rsocket;

import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.rsocket.Payload;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * The AppendEntries requests whose RSocket responses are still open, per sender, so that the
 * follower's {@code AppendEntriesResponse} can travel back as the response to the request it
 * answers: one frame per exchange instead of an empty acknowledgement plus a request of its own,
 * which at one request in flight was half of every round trip's frames.
 *
 * <p>A follower answers on its own schedule (once durable) and cumulatively (one answer covers
 * every pipelined request before it), so the answer goes back on the newest open request of the
 * same term it covers, and every request from that sender opened before it is completed empty at
 * the same moment: its sender frees the slot as it would have on an empty acknowledgement. An
 * answer with no such request open (the requester gave up waiting, or the answer is to a request of
 * another term) is sent as a request of its own, as every other message is. Requests that nothing
 * answers stay open until their sender's request timeout cancels them, or a later answer completes
 * them; heartbeats, answered at once, keep that short.
 *
 * <p>Thread-safe: requests open on the connections' Netty threads, answers come from the node's
 * event loop.
 */
final class OpenExchanges {

  /**
   * One open request, and the Mono of its response: the answer, or empty, emitted at most once.
   *
   * <p>Not a {@code Sinks.One}: a requester's cancel racing the answer left the answer's buffer in
   * the sink, with no one to release it. Here the answer goes through the subscriber RSocket gave,
   * whose cancel discards a value it holds or gets later, and the discard releases the buffer.
   */
  static final class Exchange extends Mono<Payload> {
    private static final Object EMPTY = new Object();

    private static final AtomicIntegerFieldUpdater<Exchange> SUBSCRIBED =
        AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "subscribed");
    private static final AtomicIntegerFieldUpdater<Exchange> DELIVERED =
        AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "delivered");
    private static final AtomicIntegerFieldUpdater<Exchange> DISCARDED =
        AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "discarded");

    private final long term;
    private final long sequence;
    private final ArrayDeque<Exchange> queue;
    private volatile boolean cancelled;
    private volatile int subscribed;
    private volatile int delivered;
    private volatile int discarded;

    /** The answer's payload or {@link #EMPTY}; null until one of them is given. */
    private volatile Object outcome;

    /** Published only once it has its subscription, so no signal can precede that. */
    private volatile Operators.MonoSubscriber<Payload, Payload> subscriber;

    private Exchange(long term, long sequence, ArrayDeque<Exchange> queue) {
      this.term = term;
      this.sequence = sequence;
      this.queue = queue;
    }

    /** The RSocket response: the answer, or empty. Subscribed once. */
    Mono<Payload> response() {
      return this;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Payload> actual) {
      if (!SUBSCRIBED.compareAndSet(this, 0, 1)) {
        Operators.error(actual, new IllegalStateException("a response has one subscriber"));
        return;
      }
      Operators.MonoSubscriber<Payload, Payload> inner =
          new Operators.MonoSubscriber<>(actual) {
            @Override
            public void cancel() {
              super.cancel();
              cancelled = true;
              abandon();
            }

            @Override
            protected void discard(Payload payload) {
              release(payload);
            }
          };
      actual.onSubscribe(inner);
      subscriber = inner;
      deliver();
    }

    /**
     * Sends {@code payload} as the response, or releases it when no one will take it.
     *
     * @return false when it was released because the requester had gone (the answer must then go
     *     some other way); a cancel that arrives after this still discards it
     */
    private boolean send(Payload payload) {
      if (cancelled || outcome != null) {
        release(payload);
        return false;
      }
      outcome = payload;
      deliver();
      return true;
    }

    /** Completes the response empty. */
    private void complete() {
      if (outcome == null) {
        outcome = EMPTY;
        deliver();
      }
    }

    /** Whichever of the outcome and the subscriber comes second hands the one to the other. */
    private void deliver() {
      Operators.MonoSubscriber<Payload, Payload> inner = subscriber;
      Object o = outcome;
      if (inner == null || o == null || !DELIVERED.compareAndSet(this, 0, 1)) {
        return;
      }
      if (o == EMPTY) {
        inner.onComplete();
      } else {
        inner.complete((Payload) o); // discarded, so released, if the requester cancelled
      }
    }

    /** The one payload of this exchange is released once, whoever lets go of it. */
    private void release(Payload payload) {
      if (payload != null && DISCARDED.compareAndSet(this, 0, 1)) {
        payload.release();
      }
    }

    /** No answer will be wanted: its requester went away, or the request was refused. */
    void abandon() {
      synchronized (queue) {
        Iterator<Exchange> it = queue.iterator();
        while (it.hasNext()) {
          if (it.next() == this) {
            it.remove();
            return;
          }
        }
      }
    }
  }

  private final Map<String, ArrayDeque<Exchange>> bySender = new ConcurrentHashMap<>();

  /**
   * Opens the exchange of {@code request} before the node sees it, so that even an answer given at
   * once finds it.
   */
  Exchange open(AppendEntriesRequest request) {
    ArrayDeque<Exchange> queue = bySender.computeIfAbsent(request.from(), k -> new ArrayDeque<>());
    Exchange exchange = new Exchange(request.term(), request.sequence(), queue);
    synchronized (queue) {
      queue.addLast(exchange);
    }
    return exchange;
  }

  /**
   * Sends {@code answer} as the response to the newest open request it covers, if there is one.
   *
   * @param frame encodes the answer; called only when it has a request to ride on
   * @return false when no open request from its receiver can carry it, or the one chosen was given
   *     up by its requester as the answer was encoded
   * @throws RuntimeException what {@code frame} threw; the request it was to ride on is then
   *     completed empty
   */
  boolean answer(AppendEntriesResponse answer, Supplier<Payload> frame) {
    ArrayDeque<Exchange> open = bySender.get(answer.to());
    if (open == null) {
      return false;
    }
    List<Exchange> covered = new ArrayList<>();
    synchronized (open) {
      int carrier = -1;
      int i = 0;
      for (Exchange e : open) {
        if (!e.cancelled && e.term == answer.term() && e.sequence <= answer.sequence()) {
          carrier = i;
        }
        i++;
      }
      for (int k = 0; k <= carrier; k++) {
        covered.add(open.pollFirst());
      }
    }
    if (covered.isEmpty()) {
      return false;
    }
    Exchange carrier = covered.get(covered.size() - 1);
    for (Exchange e : covered) {
      if (e != carrier) {
        e.complete();
      }
    }
    Payload payload;
    try {
      payload = frame.get();
    } catch (RuntimeException e) {
      carrier.complete();
      throw e;
    }
    return carrier.send(payload);
  }

  /** Requests open now, from every sender. */
  int openCount() {
    int n = 0;
    for (ArrayDeque<Exchange> open : bySender.values()) {
      synchronized (open) {
        n += open.size();
      }
    }
    return n;
  }
}
