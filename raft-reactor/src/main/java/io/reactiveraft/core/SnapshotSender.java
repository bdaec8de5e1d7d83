package io.reactiveraft.core;

import io.reactiveraft.message.InstallSnapshotResponse;
import io.reactiveraft.spi.SnapshotMeta;

/**
 * A leader's side of snapshot transfers: a follower that needs entries the log no longer holds is
 * sent the newest snapshot, one chunk at a time, each chunk paced by the follower's answer to the
 * one before (the receiving side is {@link SnapshotReceiver}). The transfer's state lives in the
 * follower's {@link Progress}; this class moves it along and asks the outbox for chunks.
 *
 * <p>Part of the core, and as pure. Not thread-safe: owned by the event loop.
 */
final class SnapshotSender {

  /** Stall timeouts at one chunk after which a transfer moves to a newer snapshot. */
  private static final int STALLS_BEFORE_NEWER = 3;

  private final Outbox outbox;
  private final int chunkBytes;

  /** Ticks a chunk's answer may take before the chunk goes again (two heartbeat intervals). */
  private final long stallTicks;

  SnapshotSender(CoreConfig config, Outbox outbox) {
    this.outbox = outbox;
    this.chunkBytes = config.snapshotChunkBytes();
    this.stallTicks = 2L * config.heartbeatTicks();
  }

  /** Starts sending {@code newest} to {@code peer}, from its first chunk. */
  void start(String peer, Progress pr, SnapshotMeta newest, long term, long now) {
    pr.sendSnapshot(newest);
    sendChunk(peer, pr, false, term, now);
  }

  /**
   * The chunk in flight or its answer may be lost, so it goes again. The store keeps the snapshot
   * being sent while it is, so a transfer under way goes on with it; one not started yet, or stuck
   * at one chunk for three stall timeouts (its snapshot unreadable, or gone after all), moves to
   * {@code newest} instead.
   */
  void resend(String peer, Progress pr, SnapshotMeta newest, long term, long now) {
    boolean stuck = pr.snapshotOffset == 0 || ++pr.snapshotStalls >= STALLS_BEFORE_NEWER;
    if (stuck && pr.snapshot.index() < newest.index()) {
      pr.sendSnapshot(newest); // freshly checked when taken: no recheck
    }
    sendChunk(peer, pr, pr.recheckSnapshot, term, now);
    pr.recheckSnapshot = false;
  }

  /**
   * The follower answered a chunk of the transfer {@code pr} is in.
   *
   * @return whether the follower now holds the whole snapshot, and {@code pr} was moved past it
   */
  boolean onAnswer(InstallSnapshotResponse m, Progress pr, long term, long now) {
    if (pr.state != Progress.State.SNAPSHOT || m.snapshotIndex() != pr.snapshot.index()) {
      return false; // stale
    }
    if (!m.success()) {
      // What arrived failed the snapshot's checksum (a stale term would have made this node a
      // follower on receipt). The stall timer starts over, from the disk again (the damage may be
      // in this copy), and later each time: a follower whose own disk damages what it writes must
      // not keep this node reading and sending the whole snapshot at full speed.
      pr.snapshotOffset = 0;
      pr.recheckSnapshot = true;
      pr.snapshotsDamaged++;
      long pause = stallTicks * ((1L << Math.min(pr.snapshotsDamaged - 1, 5)) - 1);
      pr.snapshotSentAt = now + pause; // the stall timer counts from here
      return false;
    }
    // Checked first: an empty snapshot is whole at offset 0, the offset of its one chunk.
    if (m.nextOffset() >= pr.snapshot.size()) {
      pr.snapshotInstalled(m.snapshotIndex());
      return true;
    }
    if (m.nextOffset() == pr.snapshotOffset || pr.recheckSnapshot) {
      // Asks for the chunk in flight, which the stall timer resends if lost; or an answer late for
      // a copy that arrived damaged, whose transfer starts over once its pause is out.
      return false;
    }
    pr.snapshotOffset = m.nextOffset();
    pr.snapshotStalls = 0;
    sendChunk(m.from(), pr, false, term, now);
    return false;
  }

  private void sendChunk(String peer, Progress pr, boolean recheck, long term, long now) {
    SnapshotMeta meta = pr.snapshot;
    int length = (int) Math.min(chunkBytes, meta.size() - pr.snapshotOffset);
    outbox.sendSnapshotChunk(
        new Action.SendSnapshotChunk(peer, term, meta, pr.snapshotOffset, length, recheck));
    pr.snapshotSentAt = now;
  }
}
