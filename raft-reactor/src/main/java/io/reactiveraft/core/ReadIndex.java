package io.reactiveraft.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A leader's linearizable reads without writing the log (ReadIndex, thesis 6.4): a read is served
 * at the commit index it arrived at, once a majority has answered a request sent after it (so this
 * node was still leader then), and once the state machine has applied that index. Reads that arrive
 * together share one round of heartbeats.
 */
final class ReadIndex {

  /** A read waiting for a majority to answer a request of {@code sequence} or later. */
  record Pending(long requestId, long readIndex, long sequence) {}

  /** Arrived before this term's first entry committed: the commit index is not yet ours. */
  final List<Long> awaitingTermCommit = new ArrayList<>();

  /** Arrived in this batch: they start a round of heartbeats at the flush. */
  final List<Long> awaitingRound = new ArrayList<>();

  /** In a round: waiting for a majority's answers. */
  final List<Pending> awaitingQuorum = new ArrayList<>();

  boolean isEmpty() {
    return awaitingTermCommit.isEmpty() && awaitingRound.isEmpty() && awaitingQuorum.isEmpty();
  }

  /** Every read waiting, by request id, for failing them all. */
  List<Long> all() {
    List<Long> ids = new ArrayList<>(awaitingTermCommit);
    ids.addAll(awaitingRound);
    awaitingQuorum.forEach(p -> ids.add(p.requestId()));
    return ids;
  }

  void clear() {
    awaitingTermCommit.clear();
    awaitingRound.clear();
    awaitingQuorum.clear();
  }
}
