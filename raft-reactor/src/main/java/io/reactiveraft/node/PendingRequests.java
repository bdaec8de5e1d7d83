package io.reactiveraft.node;

import io.reactiveraft.CommandTimeoutException;
import io.reactiveraft.EntryOverwrittenException;
import io.reactiveraft.OverloadedException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import reactor.core.publisher.Sinks;

/**
 * The callers waiting on their commands, from proposal to apply. Accepted requests are keyed by log
 * index and checked against the entry's term when it applies, so an entry overwritten by another
 * term fails its caller instead of handing it someone else's result.
 *
 * <p>Bounded: {@link #reserve} refuses beyond the configured count and bytes, which is how {@code
 * submit} applies back-pressure instead of queueing without bound.
 *
 * @param <R> result type
 */
final class PendingRequests<R> {

  /** One caller. Completed at most once, from whichever thread gets there first. */
  static final class Request<R> {
    private final Sinks.One<R> sink = Sinks.one();
    private final AtomicBoolean done = new AtomicBoolean();
    private final int bytes;
    private final long id;
    private final long deadlineNanos;
    private final Duration timeout;
    private long term;

    private Request(long id, int bytes, long deadlineNanos, Duration timeout) {
      this.id = id;
      this.bytes = bytes;
      this.deadlineNanos = deadlineNanos;
      this.timeout = timeout;
    }

    long id() {
      return id;
    }

    Sinks.One<R> sink() {
      return sink;
    }
  }

  private final int maxCount;
  private final long maxBytes;
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong ids = new AtomicLong();

  /** Proposed, awaiting the core's answer. Event loop only. */
  private final Map<Long, Request<R>> proposed = new HashMap<>();

  /** Accepted at an index, awaiting apply. Event loop and apply thread. */
  private final Map<Long, Request<R>> accepted = new ConcurrentHashMap<>();

  PendingRequests(int maxCount, long maxBytes) {
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
  }

  /**
   * Reserves room for a command of {@code size} bytes.
   *
   * @throws OverloadedException when the node already holds as much as it may
   */
  Request<R> reserve(int size, long nowNanos, Duration timeout) {
    if (count.incrementAndGet() > maxCount) {
      count.decrementAndGet();
      throw new OverloadedException(maxCount + " commands are already pending");
    }
    if (bytes.addAndGet(size) > maxBytes) {
      bytes.addAndGet(-size);
      count.decrementAndGet();
      throw new OverloadedException("pending commands already hold " + maxBytes + " bytes");
    }
    return new Request<>(ids.incrementAndGet(), size, nowNanos + timeout.toNanos(), timeout);
  }

  /** Event loop: the request's proposal is queued for the core. */
  void proposed(Request<R> request) {
    proposed.put(request.id, request);
  }

  /** Event loop: the core appended the proposal at (index, term). */
  void accepted(long requestId, long index, long term) {
    Request<R> r = proposed.remove(requestId);
    if (r != null && !r.done.get()) {
      r.term = term;
      Request<R> previous = accepted.put(index, r);
      if (previous != null && previous != r) {
        // A later leader put another entry at this index, so the earlier one (a forwarded
        // command, say, accepted by a leader that lost office) can never commit (paper 5.4).
        fail(previous, new EntryOverwrittenException(index, previous.term, term));
      }
    }
  }

  /** Event loop: the core refused the proposal; it was not applied. */
  void rejected(long requestId, RuntimeException error) {
    Request<R> r = proposed.remove(requestId);
    if (r != null) {
      fail(r, error);
    }
  }

  /** Apply thread: the entry at (index, term) applied with {@code result}. */
  void applied(long index, long term, R result) {
    Request<R> r = accepted.remove(index);
    if (r == null) {
      return;
    }
    if (r.term == term) {
      if (release(r)) {
        r.sink.tryEmitValue(result);
      }
    } else {
      fail(r, new EntryOverwrittenException(index, r.term, term));
    }
  }

  /** Apply thread: applying the entry at (index, term) threw; its caller gets the error. */
  void applyFailed(long index, long term, RuntimeException error) {
    Request<R> r = accepted.remove(index);
    if (r != null) {
      fail(r, r.term == term ? error : new EntryOverwrittenException(index, r.term, term));
    }
  }

  /** Event loop: fails every accepted request above {@code commitIndex}. */
  void failAbove(long commitIndex, LongFunction<RuntimeException> error) {
    accepted.forEach(
        (index, r) -> {
          if (index > commitIndex && accepted.remove(index, r)) {
            fail(r, error.apply(index));
          }
        });
  }

  /** Fails everything: the node is closing. */
  void failAll(Supplier<RuntimeException> error) {
    proposed.values().forEach(r -> fail(r, error.get()));
    proposed.clear();
    accepted.forEach((index, r) -> fail(r, error.get()));
    accepted.clear();
  }

  /**
   * Event loop, once per tick: fails the accepted requests whose deadline has passed with {@link
   * CommandTimeoutException}. One scan of what is pending replaces a timer per command, which would
   * cost a scheduled task on every submit.
   */
  void expire(long nowNanos) {
    // A command forwarded to a leader that never answered is still only proposed here.
    proposed
        .values()
        .removeIf(
            r -> {
              if (r.deadlineNanos <= nowNanos) {
                fail(r, new CommandTimeoutException(r.timeout));
                return true;
              }
              return false;
            });
    if (accepted.isEmpty()) {
      return;
    }
    accepted.forEach(
        (index, r) -> {
          if (r.deadlineNanos <= nowNanos && accepted.remove(index, r)) {
            fail(r, new CommandTimeoutException(r.timeout));
          }
        });
  }

  /** The caller stopped waiting; frees its room. */
  void abandon(Request<R> r) {
    release(r);
  }

  /** Fails one request; used when it could not even be proposed. */
  void fail(Request<R> r, RuntimeException error) {
    if (release(r)) {
      r.sink.tryEmitError(error);
    }
  }

  int size() {
    return count.get();
  }

  private boolean release(Request<R> r) {
    if (!r.done.compareAndSet(false, true)) {
      return false;
    }
    count.decrementAndGet();
    bytes.addAndGet(-r.bytes);
    return true;
  }
}
