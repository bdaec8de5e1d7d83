package io.reactiveraft;

import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.SnapshotMeta;

/**
 * An input to a node's event loop. Every input a node processes is one of these, in the order it
 * was processed; {@link RaftNode#events()} publishes them for monitoring and tests.
 */
public sealed interface RaftEvent
    permits RaftEvent.Tick,
        RaftEvent.MessageReceived,
        RaftEvent.CommandProposed,
        RaftEvent.ChangeRequested,
        RaftEvent.ReadRequested,
        RaftEvent.LogDurable,
        RaftEvent.SnapshotTaken,
        RaftEvent.SnapshotChunkStored,
        RaftEvent.SnapshotDataDamaged {

  /** One tick of the node's logical clock; election and heartbeat timeouts count ticks. */
  record Tick() implements RaftEvent {
    /** The only tick there needs to be: ticks carry no data. */
    public static final Tick INSTANCE = new Tick();
  }

  /** A message from a peer arrived. */
  record MessageReceived(RaftMessage message) implements RaftEvent {}

  /**
   * A client proposed a command.
   *
   * @param requestId the node-local id that correlates the proposal with its caller
   * @param type {@code COMMAND}, or {@code SESSION_COMMAND} for a retry-safe one
   * @param payload the encoded command; not copied, never modified
   */
  record CommandProposed(long requestId, EntryType type, byte[] payload) implements RaftEvent {

    /** A plain command. */
    public CommandProposed(long requestId, byte[] payload) {
      this(requestId, EntryType.COMMAND, payload);
    }
  }

  /**
   * A caller asked for a membership change or a leadership transfer.
   *
   * @param requestId the node-local id that correlates the request with its caller
   * @param change what to change
   */
  record ChangeRequested(long requestId, MembershipChange change) implements RaftEvent {}

  /**
   * A caller asked for a linearizable read.
   *
   * @param requestId the node-local id that correlates the read with its caller
   */
  record ReadRequested(long requestId) implements RaftEvent {}

  /**
   * The log store made every entry up to {@code index} durable. The term is that of the entry at
   * {@code index} when it was written, and the epoch the one the core gave the append (it counts
   * the core's truncations of its log): if the log has since been truncated, the acknowledgement is
   * stale and ignored, even where that index was rewritten with the same term.
   */
  record LogDurable(long index, long term, long epoch) implements RaftEvent {}

  /** This node stored a snapshot of its own state machine: the log it covers may be compacted. */
  record SnapshotTaken(SnapshotMeta snapshot) implements RaftEvent {}

  /**
   * This node stored a chunk of a snapshot that {@code leader}, in {@code term}, is sending it:
   * everything before {@code nextOffset} is written, and when {@code nextOffset} is the snapshot's
   * size the snapshot is complete and durable.
   */
  record SnapshotChunkStored(String leader, long term, SnapshotMeta snapshot, long nextOffset)
      implements RaftEvent {}

  /**
   * The snapshot that {@code leader}, in {@code term}, sent this node arrived whole but did not
   * have the checksum the leader gave it: it was dropped, and the transfer starts over.
   */
  record SnapshotDataDamaged(String leader, long term, SnapshotMeta snapshot)
      implements RaftEvent {}
}
