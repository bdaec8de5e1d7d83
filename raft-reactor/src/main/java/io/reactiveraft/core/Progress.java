package io.reactiveraft.core;

import io.reactiveraft.spi.SnapshotMeta;
import java.util.ArrayDeque;

/**
 * A leader's view of one follower (paper Figure 2, "volatile state on leaders"), plus the flow
 * control of pipelined replication.
 *
 * <p>In {@link State#PROBE} the leader does not know where the follower's log matches its own and
 * sends one AppendEntries at a time; in {@link State#REPLICATE} it streams batches optimistically,
 * up to a window of unacknowledged requests. In {@link State#SNAPSHOT} the follower needs entries
 * the leader has compacted, so it is sent a snapshot, one chunk at a time.
 */
final class Progress {

  enum State {
    PROBE,
    REPLICATE,
    SNAPSHOT
  }

  private final int maxInflight;

  /** Last index of each AppendEntries with entries in flight, oldest first. */
  private final ArrayDeque<long[]> inflight = new ArrayDeque<>();

  long nextIndex;
  long matchIndex;
  State state = State.PROBE;

  /** In PROBE: a probe is in flight, so no other is sent until it is answered or times out. */
  boolean probeSent;

  /**
   * The commit index the follower can take from the last request sent to it: the request's commit
   * index, but no further than the last entry the request vouches for.
   */
  long commitSent;

  /**
   * An index the follower waits to hear is committed before it can answer its own caller: a command
   * it forwarded was stored there, or it asked for a read at it.
   */
  long commitWanted;

  /** Logical time of the last message from the follower, for check-quorum. */
  long lastHeardAt;

  /** The highest request sequence of this term the follower has answered (ReadIndex). */
  long ackedSequence;

  /** When (monotonic nanos) the request with {@link #ackedSequence} was sent, for leases. */
  long ackedSentAt = Long.MIN_VALUE;

  /** Sequence and send time of the last requests, to date an answer's request. */
  private final long[][] recentSends = new long[32][2];

  /** The slot the next send goes to; wraps, so a leadership of any length never overflows it. */
  private int nextSendSlot;

  void recordSend(long sequence, long now) {
    long[] slot = recentSends[nextSendSlot];
    nextSendSlot = (nextSendSlot + 1) % recentSends.length;
    slot[0] = sequence;
    slot[1] = now;
  }

  /** The follower answered request {@code sequence}. */
  void answered(long sequence) {
    if (sequence <= ackedSequence) {
      return;
    }
    ackedSequence = sequence;
    for (long[] slot : recentSends) {
      if (slot[0] == sequence) {
        ackedSentAt = Math.max(ackedSentAt, slot[1]);
        return;
      }
    }
  }

  Progress(long nextIndex, int maxInflight) {
    this.nextIndex = nextIndex;
    this.maxInflight = maxInflight;
  }

  boolean windowFull() {
    return inflight.size() >= maxInflight;
  }

  int inflightCount() {
    return inflight.size();
  }

  /** Records an AppendEntries ending at {@code lastIndex}, sent at logical time {@code now}. */
  void sent(long lastIndex, long now) {
    if (state == State.REPLICATE) {
      inflight.addLast(new long[] {lastIndex, now});
      nextIndex = lastIndex + 1;
    } else {
      probeSent = true;
    }
  }

  /**
   * The last request sequence sent when {@link #matchIndex} last rose. Requests up to it may have
   * been processed before the acknowledgement, in any order (pipelined requests can overtake one
   * another); only a request sent after it was processed after the follower held {@link
   * #matchIndex}.
   */
  long matchSequence;

  /**
   * The follower, answering request {@code sequence}, no longer holds entries it acknowledged (its
   * disk was wiped or replaced): forget what it had and probe from its hint. An answer to a request
   * sent before the acknowledgement arrived proves nothing: it may have overtaken an earlier
   * request that the acknowledgement answers.
   */
  boolean lostDataSince(long sequence, long followerNext) {
    if (sequence <= matchSequence || followerNext > matchIndex) {
      return false; // an answer older than the acknowledgement, or no regression
    }
    matchIndex = 0;
    matchSequence = sequence;
    inflight.clear();
    state = State.PROBE;
    probeSent = false;
    nextIndex = Math.max(1, followerNext);
    return true;
  }

  /**
   * The follower stored everything up to {@code index}: frees the window below it.
   *
   * @param lastSentSequence the highest request sequence the leader has sent so far
   */
  boolean acknowledge(long index, long lastSentSequence) {
    if (index > matchIndex) {
      matchSequence = Math.max(matchSequence, lastSentSequence);
    }
    while (!inflight.isEmpty() && inflight.peekFirst()[0] <= index) {
      inflight.pollFirst();
    }
    probeSent = false;
    if (state == State.PROBE) {
      // The probe found where the logs match; without this, a follower already holding
      // everything would be probed again and again with empty requests.
      state = State.REPLICATE;
    }
    if (index <= matchIndex) {
      return false;
    }
    matchIndex = index;
    nextIndex = Math.max(nextIndex, index + 1);
    return true;
  }

  /** In SNAPSHOT: the snapshot being sent. */
  SnapshotMeta snapshot;

  /** In SNAPSHOT: the offset of the chunk in flight (everything before it is stored). */
  long snapshotOffset;

  /** In SNAPSHOT: when (logical time) the chunk in flight was sent. */
  long snapshotSentAt;

  /**
   * In SNAPSHOT: the follower received the snapshot damaged; the transfer starts over once the
   * pause is out, from a fresh whole read of the snapshot.
   */
  boolean recheckSnapshot;

  /** In SNAPSHOT: stall timeouts in a row with the transfer at the same chunk. */
  int snapshotStalls;

  /**
   * Transfers to this follower that arrived damaged, in a row, whichever snapshot they carried: the
   * damage may be the follower's own disk. Each waits longer before it starts over.
   */
  int snapshotsDamaged;

  /** Starts sending {@code meta} from its first chunk. */
  void sendSnapshot(SnapshotMeta meta) {
    recheckSnapshot = false;
    snapshotStalls = 0;
    state = State.SNAPSHOT;
    inflight.clear();
    probeSent = false;
    snapshot = meta;
    snapshotOffset = 0;
  }

  /** The follower stored the whole snapshot: probe right after it. */
  void snapshotInstalled(long index) {
    snapshot = null;
    snapshotsDamaged = 0;
    matchIndex = Math.max(matchIndex, index);
    probeFrom(index + 1);
  }

  /** Goes back to probing from {@code next}, forgetting the window. */
  void probeFrom(long next) {
    state = State.PROBE;
    snapshot = null;
    inflight.clear();
    probeSent = false;
    nextIndex = Math.max(matchIndex + 1, next);
  }

  /**
   * Whether the oldest request in flight has gone unanswered since before {@code deadline}: it or
   * its answer was lost, and only a new probe will find out where the follower stands.
   */
  boolean stalledSince(long deadline) {
    return !inflight.isEmpty() && inflight.peekFirst()[1] < deadline;
  }
}
