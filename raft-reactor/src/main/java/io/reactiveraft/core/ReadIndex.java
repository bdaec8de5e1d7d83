package io.reactiveraft.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ObjLongConsumer;

/**
 * A leader's linearizable reads without writing the log (ReadIndex, thesis 6.4): a read is served
 * at the commit index it arrived at, once a majority has answered a request sent after it (so this
 * node was still leader then), and once the state machine has applied that index. Reads that arrive
 * together share one round of heartbeats. A read may be this node's own, or a follower's that asked
 * for a read index.
 */
final class ReadIndex {

  /**
   * One read: {@code requester} is null for this node's own, else the follower to answer.
   *
   * @param requestId the requester's id for the read
   */
  record Read(long requestId, String requester) {}

  /** A read waiting for a majority to answer a request of {@code sequence} or later. */
  private record Pending(Read read, long readIndex, long sequence) {}

  /** Arrived before this term's first entry committed: the commit index is not yet ours. */
  private final List<Read> awaitingTermCommit = new ArrayList<>();

  /** Arrived since the last round: they start one at the end of the batch. */
  private final List<Read> awaitingRound = new ArrayList<>();

  /** In a round: waiting for a majority's answers. */
  private final List<Pending> awaitingQuorum = new ArrayList<>();

  /** Until this term's first entry commits, the leader does not know the commit index. */
  void awaitTermCommit(Read read) {
    awaitingTermCommit.add(read);
  }

  /** A read the next round confirms. */
  void awaitRound(Read read) {
    awaitingRound.add(read);
  }

  /**
   * Leader, per batch: reads that waited for the term's first commit wait for a round once {@code
   * termCommitted}; those waiting for a round join one at {@code commitIndex}, confirmed by answers
   * to requests of sequence {@code round} or later.
   *
   * @return whether a round starts, so the leader must send its requests now
   */
  boolean startRound(boolean termCommitted, long commitIndex, long round) {
    if (termCommitted && !awaitingTermCommit.isEmpty()) {
      awaitingRound.addAll(awaitingTermCommit);
      awaitingTermCommit.clear();
    }
    if (awaitingRound.isEmpty()) {
      return false;
    }
    for (Read read : awaitingRound) {
      awaitingQuorum.add(new Pending(read, commitIndex, round));
    }
    awaitingRound.clear();
    return true;
  }

  /** Whether reads wait for a majority's answers. */
  boolean inRound() {
    return !awaitingQuorum.isEmpty();
  }

  /**
   * A majority has answered requests up to sequence {@code answered}: every read of a round at or
   * below it is confirmed, and handed to {@code answer} with its read index.
   */
  void confirm(long answered, ObjLongConsumer<Read> answer) {
    awaitingQuorum.removeIf(
        pending -> {
          if (answered >= pending.sequence()) {
            answer.accept(pending.read(), pending.readIndex());
            return true;
          }
          return false;
        });
  }

  boolean isEmpty() {
    return awaitingTermCommit.isEmpty() && awaitingRound.isEmpty() && awaitingQuorum.isEmpty();
  }

  /** Every read waiting, for failing them all. */
  List<Read> all() {
    List<Read> reads = new ArrayList<>(awaitingTermCommit);
    reads.addAll(awaitingRound);
    awaitingQuorum.forEach(p -> reads.add(p.read()));
    return reads;
  }

  void clear() {
    awaitingTermCommit.clear();
    awaitingRound.clear();
    awaitingQuorum.clear();
  }
}
