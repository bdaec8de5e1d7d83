package io.reactiveraft.core;

import java.util.ArrayList;
import java.util.List;

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
  record Pending(Read read, long readIndex, long sequence) {}

  /** Arrived before this term's first entry committed: the commit index is not yet ours. */
  final List<Read> awaitingTermCommit = new ArrayList<>();

  /** Arrived in this batch: they start a round of heartbeats at the flush. */
  final List<Read> awaitingRound = new ArrayList<>();

  /** In a round: waiting for a majority's answers. */
  final List<Pending> awaitingQuorum = new ArrayList<>();

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
