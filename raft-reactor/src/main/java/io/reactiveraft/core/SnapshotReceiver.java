package io.reactiveraft.core;

import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.spi.SnapshotMeta;

/**
 * A follower's side of a snapshot transfer: which chunk comes next, which chunks are written, and
 * when the snapshot is complete. It decides; {@link RaftCore} acts (answers the leader, stores
 * chunks, installs). One transfer at a time, from one leader in one term; anything else starts
 * over. Not thread-safe: owned by the event loop.
 */
final class SnapshotReceiver {

  /** What to do with an incoming chunk. */
  sealed interface Decision {}

  /** Answer the leader that the next chunk should start at {@code nextOffset}. */
  record Answer(long nextOffset) implements Decision {}

  /** Store the chunk; the answer follows once it is written. */
  record Store() implements Decision {}

  /** Nothing to say yet: a chunk is being written, and its answer will cover this one too. */
  record Wait() implements Decision {}

  private static final Store STORE = new Store();
  private static final Wait WAIT = new Wait();

  private Receipt receipt;

  /**
   * Decides on a chunk of {@code m.snapshot()} from the leader of {@code term}, whose state this
   * node does not cover yet (the caller answers those at once).
   */
  Decision onChunk(InstallSnapshotRequest m, long term) {
    SnapshotMeta meta = m.snapshot();
    if (receipt != null && receipt.isFor(m.from(), term, meta)) {
      if (m.offset() == receipt.expectedOffset) {
        receipt.expectedOffset = m.offset() + m.data().length;
        return STORE;
      }
      if (receipt.storedOffset == receipt.expectedOffset) {
        return new Answer(receipt.expectedOffset); // a duplicate or a gap
      }
      return WAIT;
    }
    if (m.offset() != 0) {
      return new Answer(0); // this node lost the start (say, it restarted)
    }
    receipt = new Receipt(m.from(), term, meta);
    receipt.expectedOffset = m.data().length;
    return STORE;
  }

  /**
   * A chunk was written up to {@code nextOffset}.
   *
   * @return whether it belongs to the transfer under way; if not, it is ignored
   */
  boolean onStored(String leader, long term, SnapshotMeta meta, long nextOffset) {
    if (receipt == null || !receipt.isFor(leader, term, meta)) {
      return false; // a transfer this node has since abandoned
    }
    receipt.storedOffset = Math.max(receipt.storedOffset, nextOffset);
    if (nextOffset >= meta.size()) {
      receipt = null; // complete
    }
    return true;
  }

  /**
   * The snapshot of {@code leader}'s transfer arrived damaged and was dropped: it starts over.
   *
   * @return whether it was the transfer under way; if not, it is ignored
   */
  boolean abandon(String leader, long term, SnapshotMeta meta) {
    if (receipt == null || !receipt.isFor(leader, term, meta)) {
      return false;
    }
    receipt = null;
    return true;
  }

  /**
   * Abandons the transfer under way.
   *
   * @return whether one was under way, whose chunks written so far the caller must discard
   */
  boolean reset() {
    boolean underWay = receipt != null;
    receipt = null;
    return underWay;
  }

  private static final class Receipt {
    final String leader;
    final long term;
    final SnapshotMeta snapshot;

    /** The offset the next chunk must start at. */
    long expectedOffset;

    /** Everything before this offset is written. */
    long storedOffset;

    Receipt(String leader, long term, SnapshotMeta snapshot) {
      this.leader = leader;
      this.term = term;
      this.snapshot = snapshot;
    }

    boolean isFor(String from, long inTerm, SnapshotMeta meta) {
      return leader.equals(from) && term == inTerm && snapshot.equals(meta);
    }
  }
}
