package io.reactiveraft.node;

import io.reactiveraft.CommandTimeoutException;
import io.reactiveraft.EntryOverwrittenException;
import io.reactiveraft.OutcomeUnknownException;
import io.reactiveraft.OverloadedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The callers waiting on their commands, from proposal to apply. Accepted requests are matched by
 * log index and checked against the entry's term when it applies, so an entry overwritten by
 * another term fails its caller instead of handing it someone else's result.
 *
 * <p>Bounded: {@link #reserve} refuses beyond the configured count and bytes, which is how {@code
 * submit} applies back-pressure instead of queueing without bound.
 *
 * @param <R> result type
 */
final class PendingRequests<R> {

  private final String nodeId;
  private final int maxCount;
  private final long maxBytes;
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();

  /**
   * Request ids: a forwarded command's id reaches the leader, which remembers where this term's
   * went, so ids must not repeat across restarts of this node (see {@link #PendingRequests(String,
   * int, long, long)}).
   */
  private final AtomicLong ids;

  /**
   * Proposed, awaiting the core's answer, in the order proposed. Event loop only. The core answers
   * a leader's own proposals in that order, so the answer is nearly always for the head; a map
   * keyed by id cost two boxed ids and an entry per command.
   */
  private final ArrayDeque<CommandRequest<R>> proposed = new ArrayDeque<>();

  /** Accepted at an index, in the order accepted, for timeouts and failures. Event loop only. */
  private final ArrayDeque<CommandRequest<R>> accepted = new ArrayDeque<>();

  /** Accepted since the last {@link #handOver}. Event loop only. */
  private List<CommandRequest<R>> acceptedSinceHandOver = new ArrayList<>();

  /**
   * Handed over and awaiting their entries' apply, in index order. Apply thread only: each thread
   * keeps its own record, and the requests go across with the applies that need them, so a command
   * costs no shared map (a concurrent map's counter and bins, written from both threads, were a
   * tenth of the leader's apply thread).
   */
  private final ArrayDeque<CommandRequest<R>> awaitingApply = new ArrayDeque<>();

  /**
   * @param firstId ids start after it; each start of a node draws a new one, at random, so that a
   *     restarted follower's ids do not repeat its former life's
   */
  PendingRequests(String nodeId, int maxCount, long maxBytes, long firstId) {
    this.nodeId = nodeId;
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
    this.ids = new AtomicLong(firstId);
  }

  /**
   * Reserves room for a command of {@code size} bytes.
   *
   * @throws OverloadedException when the node already holds as much as it may
   */
  CommandRequest<R> reserve(int size, long nowNanos, Duration timeout) {
    long deadline = Deadlines.after(nowNanos, timeout);
    if (count.incrementAndGet() > maxCount) {
      count.decrementAndGet();
      throw new OverloadedException(nodeId, maxCount + " commands are already pending");
    }
    if (bytes.addAndGet(size) > maxBytes) {
      bytes.addAndGet(-size);
      count.decrementAndGet();
      throw new OverloadedException(nodeId, "pending commands already hold " + maxBytes + " bytes");
    }
    return new CommandRequest<>(ids.incrementAndGet(), size, deadline, timeout);
  }

  /** Event loop: the request's proposal is queued for the core. */
  void proposed(CommandRequest<R> request) {
    proposed.addLast(request);
  }

  /** The proposed request {@code requestId}, removed; null when it is no longer there. */
  private CommandRequest<R> takeProposed(long requestId) {
    CommandRequest<R> head = proposed.peekFirst();
    if (head != null && head.id == requestId) {
      return proposed.pollFirst();
    }
    // Out of order: a command forwarded to a leader, answered after later ones. Rare.
    Iterator<CommandRequest<R>> it = proposed.iterator();
    while (it.hasNext()) {
      CommandRequest<R> r = it.next();
      if (r.id == requestId) {
        it.remove();
        return r;
      }
    }
    return null;
  }

  /** Event loop: the core appended the proposal at (index, term). */
  void accepted(long requestId, long index, long term) {
    CommandRequest<R> r = takeProposed(requestId);
    if (r != null && !r.released()) {
      r.index = index;
      r.term = term;
      accepted.addLast(r);
      acceptedSinceHandOver.add(r);
    }
  }

  /** Event loop: the core refused the proposal; it was not applied. */
  void rejected(long requestId, RuntimeException error) {
    CommandRequest<R> r = takeProposed(requestId);
    if (r != null) {
      fail(r, error);
    }
  }

  /**
   * Event loop: the requests accepted since the last call, for the apply thread ({@link
   * #awaitApply}). Handed over with the applies that follow them, they reach it before their
   * entries can apply.
   */
  List<CommandRequest<R>> handOver() {
    if (acceptedSinceHandOver.isEmpty()) {
      return List.of();
    }
    List<CommandRequest<R>> out = acceptedSinceHandOver;
    acceptedSinceHandOver = new ArrayList<>(out.size()); // the next batch is likely as large
    return out;
  }

  /**
   * Apply thread: requests handed over, in the order accepted, now await their entries. Two may
   * wait on one index: a leader that lost office accepted one there, and a later one another. Which
   * of them holds is known only when the entry applies: until then either may still commit (paper
   * Figure 8), so neither is failed here.
   */
  void awaitApply(List<CommandRequest<R>> requests, long lastApplied) {
    for (CommandRequest<R> r : requests) {
      if (r.index <= lastApplied) {
        fail(r, missed(r.index));
        continue;
      }
      CommandRequest<R> last = awaitingApply.peekLast();
      if (last == null || last.index <= r.index) {
        awaitingApply.addLast(r);
      } else {
        insertInOrder(r); // accepted below an earlier one, by a later leader: rare
      }
    }
  }

  private void insertInOrder(CommandRequest<R> r) {
    ArrayDeque<CommandRequest<R>> above = new ArrayDeque<>();
    while (!awaitingApply.isEmpty() && awaitingApply.peekLast().index > r.index) {
      above.addFirst(awaitingApply.pollLast());
    }
    awaitingApply.addLast(r);
    awaitingApply.addAll(above);
  }

  /** Apply thread: the entry at (index, term) applied with {@code result}. */
  void applied(long index, long term, R result) {
    CommandRequest<R> r;
    while ((r = takeAwaiting(index)) != null) {
      if (r.term == term) {
        if (release(r)) {
          r.succeed(result);
        }
      } else {
        fail(r, new EntryOverwrittenException(nodeId, index, r.term, term));
      }
    }
  }

  /** Apply thread: applying the entry at (index, term) threw; its caller gets the error. */
  void applyFailed(long index, long term, RuntimeException error) {
    CommandRequest<R> r;
    while ((r = takeAwaiting(index)) != null) {
      fail(r, r.term == term ? error : new EntryOverwrittenException(nodeId, index, r.term, term));
    }
  }

  /**
   * Apply thread: the entry at (index, term) carried no command, so a caller waiting on that index
   * lost its entry to this one.
   */
  void appliedWithoutCommand(long index, long term) {
    CommandRequest<R> r;
    while ((r = takeAwaiting(index)) != null) {
      fail(r, new EntryOverwrittenException(nodeId, index, r.term, term));
    }
  }

  /**
   * Apply thread: fails the requests awaiting entries up to {@code index}, which a snapshot just
   * replaced: their entries will not apply here one by one.
   */
  void missedUpTo(long index) {
    CommandRequest<R> head;
    while ((head = awaitingApply.peekFirst()) != null && head.index <= index) {
      fail(awaitingApply.pollFirst(), missed(head.index));
    }
  }

  /**
   * Apply thread: takes a request awaiting the entry at {@code index}, if any. Those below it
   * missed their entry (answered ones leave the queue when answered) and are failed now, not left
   * to their timeout, which may be never.
   */
  private CommandRequest<R> takeAwaiting(long index) {
    CommandRequest<R> head;
    while ((head = awaitingApply.peekFirst()) != null && head.index < index) {
      fail(awaitingApply.pollFirst(), missed(head.index));
    }
    return head != null && head.index == index ? awaitingApply.pollFirst() : null;
  }

  /**
   * The entry applied, or a snapshot covered it, before its caller was waiting here: a forwarded
   * command's answer from the leader can arrive after this node applied the entry, and a snapshot
   * from the leader replaces entries wholesale. Whether the entry was the caller's command, its
   * result is not known.
   */
  private OutcomeUnknownException missed(long index) {
    return new OutcomeUnknownException(
        "node "
            + nodeId
            + ": entry "
            + index
            + " was applied or replaced by a snapshot before its result was awaited; outcome"
            + " unknown");
  }

  /** Event loop: fails every accepted request above {@code commitIndex}. */
  void failAbove(long commitIndex, LongFunction<RuntimeException> error) {
    accepted.removeIf(
        r -> {
          if (r.index > commitIndex) {
            fail(r, error.apply(r.index));
          }
          return r.released();
        });
  }

  /** Fails everything: the node is closing. */
  void failAll(Supplier<RuntimeException> error) {
    proposed.forEach(r -> fail(r, error.get()));
    proposed.clear();
    accepted.forEach(r -> fail(r, error.get()));
    accepted.clear();
    acceptedSinceHandOver.clear();
  }

  /**
   * Event loop, once per tick: fails the accepted requests whose deadline has passed with {@link
   * CommandTimeoutException}. One scan of what is pending replaces a timer per command, which would
   * cost a scheduled task on every submit.
   *
   * @param abandoned told the id of each request that timed out before it was accepted (a command
   *     forwarded to a leader that never answered), which the core may still be waiting on
   */
  void expire(long nowNanos, LongConsumer abandoned) {
    // A command forwarded to a leader that never answered is still only proposed here.
    proposed.removeIf(
        r -> {
          if (r.deadlineNanos <= nowNanos) {
            fail(r, new CommandTimeoutException(nodeId, r.timeout));
            abandoned.accept(r.id());
            return true;
          }
          return false;
        });
    // Also forgets the ones the apply thread answered since the last tick.
    accepted.removeIf(
        r -> {
          if (r.deadlineNanos <= nowNanos) {
            fail(r, new CommandTimeoutException(nodeId, r.timeout));
          }
          return r.released();
        });
    // A leader that cannot commit hands nothing over: what timed out need not wait for it.
    acceptedSinceHandOver.removeIf(CommandRequest::released);
  }

  /** Fails one request; used when it could not even be proposed. */
  void fail(CommandRequest<R> r, RuntimeException error) {
    if (release(r)) {
      r.fail(error);
    }
  }

  int size() {
    return count.get();
  }

  private boolean release(CommandRequest<R> r) {
    if (!r.release()) {
      return false;
    }
    count.decrementAndGet();
    bytes.addAndGet(-r.bytes);
    return true;
  }
}
