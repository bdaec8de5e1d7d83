package io.reactiveraft.core;

import io.reactiveraft.message.AppendEntriesResponse;

/**
 * Follower: the acknowledgement owed to the leader for entries accepted but not yet durable. A
 * follower acknowledges only what its store has made durable (thesis 10.2.1), so the answer to an
 * AppendEntries whose entries are still being written waits here, and leaves as the store reports
 * progress. Requests answered late are answered together: the acknowledgement carries the highest
 * index and the highest request sequence owed.
 *
 * <p>Not thread-safe: owned by the event loop.
 */
final class OwedAck {

  private String leader;
  private long index;
  private long sequence;

  /** The entries up to {@code index}, sent by {@code leader} in request {@code sequence}, wait. */
  void owe(String leader, long index, long sequence) {
    this.index = Math.max(this.index, index);
    this.sequence = Math.max(this.sequence, sequence);
    this.leader = leader;
  }

  /**
   * Nothing is owed any more: the term ended (the old leader must not be answered, nor its request
   * sequence echoed to the next one, which would count it as an answer to its own later requests
   * and confirm reads no majority confirmed), or the entries were replaced by a snapshot.
   */
  void forget() {
    leader = null;
    index = 0;
    sequence = 0;
  }

  /**
   * The store made the log durable up to {@code durableIndex}: the acknowledgement now due, of as
   * much as is owed and durable, or null when nothing is owed. Once all that is owed is covered,
   * nothing is owed any more.
   */
  AppendEntriesResponse dueAt(String self, long term, long durableIndex) {
    if (leader == null) {
      return null;
    }
    long acked = Math.min(index, durableIndex);
    AppendEntriesResponse ack =
        new AppendEntriesResponse(self, leader, term, true, acked, 0, 0, sequence);
    if (acked >= index) {
      forget();
    }
    return ack;
  }
}
