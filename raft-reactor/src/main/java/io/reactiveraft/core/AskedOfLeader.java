package io.reactiveraft.core;

import io.reactiveraft.NotLeaderException;
import io.reactiveraft.OutcomeUnknownException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Follower: its callers' requests waiting for the leader's answer, commands forwarded to it ({@code
 * forwardToLeader}) and read indexes asked of it. The answer comes in the leader's term or not at
 * all (a later term drops it as stale), so when the term ends every caller still waiting is told at
 * once rather than at a deadline that may be never.
 *
 * <p>Not thread-safe: owned by the event loop.
 */
final class AskedOfLeader {

  private final Outbox outbox;
  private final Set<Long> commands = new HashSet<>();
  private final Set<Long> reads = new HashSet<>();

  AskedOfLeader(Outbox outbox) {
    this.outbox = outbox;
  }

  void commandForwarded(long requestId) {
    commands.add(requestId);
  }

  void readAsked(long requestId) {
    reads.add(requestId);
  }

  /** Whether {@code requestId} waited for the leader's answer to its command; it waits no more. */
  boolean commandAnswered(long requestId) {
    return commands.remove(requestId);
  }

  /** Whether {@code requestId} waited for the leader's read index; it waits no more. */
  boolean readAnswered(long requestId) {
    return reads.remove(requestId);
  }

  /**
   * The caller of the forwarded command {@code requestId} stopped waiting (its deadline passed): it
   * is forgotten, and an answer that comes later is ignored. Without this, a request or an answer
   * the network lost would be remembered until the term ends, which may be days.
   */
  void commandAbandoned(long requestId) {
    commands.remove(requestId);
  }

  /** As {@link #commandAbandoned}, for a read index asked of the leader. */
  void readAbandoned(long requestId) {
    reads.remove(requestId);
  }

  /**
   * The term ended without the answers. A read did nothing and may be asked again, so it fails with
   * one exception from {@code noLeader}; a forwarded command may be in the old leader's log and
   * commit yet, so its outcome is unknown (an exception from {@code unanswered} for each).
   */
  void termEnded(
      Supplier<NotLeaderException> noLeader, Supplier<OutcomeUnknownException> unanswered) {
    if (reads.isEmpty() && commands.isEmpty()) {
      return;
    }
    NotLeaderException readsFailed = noLeader.get();
    for (long requestId : reads) {
      outbox.report(new Action.ReadFailed(requestId, readsFailed));
    }
    for (long requestId : commands) {
      outbox.report(new Action.ProposalRejected(requestId, unanswered.get()));
    }
    reads.clear();
    commands.clear();
  }
}
