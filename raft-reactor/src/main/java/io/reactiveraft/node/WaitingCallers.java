package io.reactiveraft.node;

import io.reactiveraft.CommandTimeoutException;
import io.reactiveraft.NodeClosedException;
import io.reactiveraft.OverloadedException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Callers of reads, membership changes and {@code snapshot()} waiting for their answer (commands
 * wait in {@link PendingRequests}). They register from any thread and are answered from the event
 * loop or the apply thread. A caller registers before the node hears of its request and then checks
 * the node is not closing, so a registration that races the close is either refused at once or
 * answered by {@link #failAll}: never left waiting.
 *
 * @param <C> query type
 * @param <R> result type
 */
final class WaitingCallers<C, R> {

  private final String nodeId;
  private final BooleanSupplier closing;
  private final Function<C, R> query;
  private final AtomicLong requestIds;
  private final int maxReads;
  private final Map<Long, Sinks.Empty<Void>> changes = new ConcurrentHashMap<>();
  private final Map<Long, PendingRead<C, R>> reads = new ConcurrentHashMap<>();
  private final Set<Sinks.One<Long>> snapshots = ConcurrentHashMap.newKeySet();

  /** A read waiting for its read index. */
  private record PendingRead<C, R>(
      C query, Sinks.One<R> sink, long deadlineNanos, Duration timeout) {}

  /**
   * @param closing whether the node is closing; once true it stays true
   * @param query the state machine's query, run on the apply thread once a read may be answered
   * @param firstRequestId the first request id, drawn anew at each start: a follower's read goes to
   *     the leader under its id, and a late answer to a read of this node's previous run must not
   *     match a read of this one
   * @param maxReads the most reads waiting at once; beyond it a read fails fast
   */
  WaitingCallers(
      String nodeId,
      BooleanSupplier closing,
      Function<C, R> query,
      long firstRequestId,
      int maxReads) {
    this.maxReads = maxReads;
    this.requestIds = new AtomicLong(firstRequestId - 1);
    this.nodeId = nodeId;
    this.closing = closing;
    this.query = query;
  }

  /**
   * A membership change: registers its caller, then hands {@code send} the request id to pass to
   * the loop.
   */
  Mono<Void> change(LongConsumer send) {
    long requestId = requestIds.incrementAndGet();
    Sinks.Empty<Void> done = Sinks.empty();
    changes.put(requestId, done);
    if (closing.getAsBoolean() && changes.remove(requestId) != null) {
      return refused();
    }
    send.accept(requestId);
    return done.asMono();
  }

  void changeCompleted(long requestId) {
    Sinks.Empty<Void> done = changes.remove(requestId);
    if (done != null) {
      CallerSignals.empty(done);
    }
  }

  void changeFailed(long requestId, RuntimeException error) {
    Sinks.Empty<Void> done = changes.remove(requestId);
    if (done != null) {
      CallerSignals.error(done, error);
    }
  }

  /**
   * A read that times out at {@code deadlineNanos}; {@code send} gets the request id. Fails with
   * {@link OverloadedException} when {@code maxReads} are already waiting: a caller that reads
   * faster than the cluster answers is told so, instead of queueing without bound.
   */
  Mono<R> read(C query, Duration timeout, long deadlineNanos, LongConsumer send) {
    if (reads.size() >= maxReads) {
      return Mono.error(new OverloadedException(nodeId, maxReads + " reads are already waiting"));
    }
    long requestId = requestIds.incrementAndGet();
    PendingRead<C, R> read = new PendingRead<>(query, Sinks.one(), deadlineNanos, timeout);
    reads.put(requestId, read);
    if (closing.getAsBoolean() && reads.remove(requestId) != null) {
      return refused();
    }
    send.accept(requestId);
    return read.sink().asMono();
  }

  /**
   * The read's index is known: returns what answers it, to run on the apply thread once that index
   * is applied, or null when the read is no longer waiting. The read stays registered meanwhile, so
   * its timeout still fires if this node falls behind (say, cut off from the leader after the read
   * index came back).
   */
  Runnable readReady(long requestId) {
    PendingRead<C, R> read = reads.get(requestId);
    if (read == null) {
      return null;
    }
    return () -> {
      if (reads.remove(requestId, read)) {
        answer(read);
      }
    };
  }

  void readFailed(long requestId, RuntimeException error) {
    PendingRead<C, R> read = reads.remove(requestId);
    if (read != null) {
      CallerSignals.error(read.sink(), error);
    }
  }

  /**
   * Times out the reads whose deadline has passed, telling {@code abandoned} each one's id (the
   * core may still wait on the leader's read index for it).
   */
  void expireReads(long nowNanos, LongConsumer abandoned) {
    if (reads.isEmpty()) {
      return;
    }
    reads.forEach(
        (requestId, read) -> {
          if (read.deadlineNanos() <= nowNanos && reads.remove(requestId, read)) {
            CallerSignals.error(read.sink(), new CommandTimeoutException(nodeId, read.timeout()));
            abandoned.accept(requestId);
          }
        });
  }

  /** A snapshot request: registers its caller, then hands {@code start} the sink to answer. */
  Mono<Long> snapshot(Consumer<Sinks.One<Long>> start) {
    Sinks.One<Long> done = Sinks.one();
    snapshots.add(done);
    if (closing.getAsBoolean() && snapshots.remove(done)) {
      return refused();
    }
    start.accept(done);
    return done.asMono().doFinally(signal -> snapshots.remove(done));
  }

  /**
   * The node stopped ({@code cause} is null for an orderly close): fails every caller still
   * waiting. Changes and snapshots may have taken effect; reads had none.
   */
  void failAll(Throwable cause) {
    // Entry by entry: a caller registering meanwhile is either taken here or sees the close and
    // takes itself out; a clear() after the pass could drop it unanswered.
    for (Long id : changes.keySet()) {
      Sinks.Empty<Void> s = changes.remove(id);
      if (s != null) {
        CallerSignals.error(s, NodeClosedException.whilePending(nodeId, cause));
      }
    }
    for (Long id : reads.keySet()) {
      PendingRead<C, R> r = reads.remove(id);
      if (r != null) {
        CallerSignals.error(r.sink(), NodeClosedException.rejected(nodeId, cause));
      }
    }
    for (Sinks.One<Long> s : snapshots) {
      if (snapshots.remove(s)) {
        CallerSignals.error(s, NodeClosedException.whilePending(nodeId, cause));
      }
    }
  }

  /** Apply thread: the read index is applied, so the state is recent enough. */
  private void answer(PendingRead<C, R> read) {
    R result;
    try {
      result = query.apply(read.query());
    } catch (RuntimeException e) {
      CallerSignals.error(read.sink(), e);
      return;
    }
    CallerSignals.value(read.sink(), result);
  }

  private <T> Mono<T> refused() {
    return Mono.error(NodeClosedException.rejected(nodeId, null)); // the close came between
  }
}
