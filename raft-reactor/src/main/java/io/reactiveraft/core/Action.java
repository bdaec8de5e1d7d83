package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.LeaderChange;
import io.reactiveraft.RaftException;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.SnapshotMeta;
import java.util.List;

/**
 * What the core asks its driver to do after a batch of events. The driver performs a batch's
 * actions in list order; the core orders them so that doing so keeps Raft's rules (term and vote
 * stored before any message that carries them is sent). A leader's messages come before its own
 * {@link AppendLog}: its write runs in parallel with the followers' (thesis 10.2.1), and it counts
 * its own copy only once the store reports it durable.
 */
public sealed interface Action {

  /** Store term and vote durably before performing any later action of the batch. */
  record PersistHardState(HardState state) implements Action {}

  /** Discard log entries at or after {@code fromIndex}. */
  record TruncateLog(long fromIndex) implements Action {}

  /**
   * Write entries to the log, then report their durability with a {@code LogDurable} event for the
   * last one, carrying {@code epoch}.
   */
  record AppendLog(List<LogEntry> entries, long epoch) implements Action {}

  /** Send a message to a peer. */
  record Send(RaftMessage message) implements Action {}

  /** Apply committed entries to the state machine, in order. */
  record ApplyEntries(List<LogEntry> entries) implements Action {}

  /** A proposal was appended at (index, term): its caller waits for that entry to apply. */
  record ProposalAccepted(long requestId, long index, long term) implements Action {}

  /**
   * A proposal ends here without an index: refused (not leader, or a leadership transfer under way)
   * and not applied; or, when {@code error.outcomeUnknown()}, forwarded to a leader whose term
   * ended before it said where it put the command, which may still commit.
   */
  record ProposalRejected(long requestId, RaftException error) implements Action {}

  /**
   * The read {@code requestId} is linearizable once the state machine has applied {@code
   * readIndex}: this node was leader when the read arrived (ReadIndex, thesis 6.4).
   */
  record ReadReady(long requestId, long readIndex) implements Action {}

  /** The read {@code requestId} cannot be served here. */
  record ReadFailed(long requestId, RaftException error) implements Action {}

  /** A new configuration took effect here: peers to reach (and admit) have changed. */
  record ConfigurationChanged(ClusterConfiguration configuration) implements Action {}

  /** The membership change or transfer {@code requestId} completed. */
  record ChangeCompleted(long requestId) implements Action {}

  /** The membership change or transfer {@code requestId} was refused or failed. */
  record ChangeFailed(long requestId, RaftException error) implements Action {}

  /**
   * Leadership changed as seen by this node. {@code commitIndex} is the commit index when it
   * happened: when a leader steps down, its proposals above it may never commit here.
   */
  record LeaderChanged(LeaderChange change, long commitIndex) implements Action {}

  /**
   * Discard stored log entries at or before {@code upToIndex}: a durable snapshot covers them. When
   * the log does not reach past it, the log becomes empty and continues at {@code upToIndex + 1}.
   */
  record CompactLog(long upToIndex) implements Action {}

  /**
   * Read {@code length} bytes of {@code snapshot} at {@code offset} and send them to {@code to} in
   * an {@link InstallSnapshotRequest} of {@code term}, with the checksum of the whole snapshot.
   * {@code recheck}: a follower received the snapshot damaged, so read it whole again to check it
   * before sending any more of it.
   */
  record SendSnapshotChunk(
      String to, long term, SnapshotMeta snapshot, long offset, int length, boolean recheck)
      implements Action {}

  /**
   * Write a chunk of a snapshot the leader is sending (a chunk at offset 0 starts a new one and
   * abandons any other); after the last chunk, make the snapshot durable. Then report with a {@code
   * SnapshotChunkStored} event.
   */
  record StoreSnapshotChunk(InstallSnapshotRequest chunk) implements Action {}

  /**
   * Discard the snapshot being received from a leader, partly written: its transfer was abandoned
   * (a new term, or the log caught up by other means), and nothing will finish it.
   */
  record DiscardSnapshotChunks() implements Action {}

  /**
   * Replace the state machine's state with {@code snapshot}, after every apply queued before and
   * before any queued after.
   */
  record RestoreSnapshot(SnapshotMeta snapshot) implements Action {}
}
