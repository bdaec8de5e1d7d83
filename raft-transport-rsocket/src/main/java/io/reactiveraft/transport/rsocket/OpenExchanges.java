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
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

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

  /** One open request: its response is emitted at most once, by an answer or as empty. */
  static final class Exchange {
    private final long term;
    private final long sequence;
    private final Sinks.One<Payload> response = Sinks.one();
    private final ArrayDeque<Exchange> queue;
    private volatile boolean cancelled;

    private Exchange(long term, long sequence, ArrayDeque<Exchange> queue) {
      this.term = term;
      this.sequence = sequence;
      this.queue = queue;
    }

    /** The RSocket response: the answer, or empty. */
    Mono<Payload> response() {
      return response
          .asMono()
          .doOnCancel(
              () -> {
                cancelled = true;
                abandon();
              });
    }

    /** Sends {@code payload} as the response, or releases it when no one will take it. */
    private void send(Payload payload) {
      if (cancelled || response.tryEmitValue(payload).isFailure()) {
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
   * @return false when no open request from its receiver can carry it
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
        if (e.term == answer.term() && e.sequence <= answer.sequence()) {
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
        e.response.tryEmitEmpty();
      }
    }
    Payload payload;
    try {
      payload = frame.get();
    } catch (RuntimeException e) {
      carrier.response.tryEmitEmpty();
      throw e;
    }
    // A cancel racing this very moment can still strand the payload in the sink: one small buffer,
    // at a requester's timeout or a closing connection.
    carrier.send(payload);
    return true;
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
