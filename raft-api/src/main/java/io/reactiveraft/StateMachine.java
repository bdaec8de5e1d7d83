package io.reactiveraft;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The user's replicated state. Every node applies the same commands in the same order, so a
 * deterministic state machine ends in the same state on every node.
 *
 * <p>Threading: the node calls the state machine from one apply thread at a time (the apply
 * scheduler's), not from its event loop, so a slow {@code apply} delays results but not heartbeats.
 * Only a configuration that gives both the same single thread (see {@link
 * RaftConfig.Builder#applyScheduler}) runs applies on the loop's thread, for latency, and then a
 * slow apply delays heartbeats too.
 *
 * @param <C> command type
 * @param <R> result type
 */
public interface StateMachine<C, R> {

  /**
   * Applies a committed command. Called exactly once per committed command on each node, in log
   * order. Must be deterministic: the result may depend only on the state and the command. The
   * result is returned to the caller of {@link RaftNode#submit} on the node that proposed it; other
   * nodes discard it.
   *
   * <p>A {@code RuntimeException} is that command's outcome: its caller gets it, and the log moves
   * on (every node fails the same way, so the states stay equal). An {@code Error} stops the node:
   * nothing more is applied, rather than go on from a state left in doubt.
   *
   * @param index the log index of the command
   * @param command the decoded command
   * @return the result for the caller; may be null
   */
  R apply(long index, C command);

  /**
   * Answers a read-only query against the current state, for {@link RaftNode#read}. Called on the
   * apply thread, between applies, so it sees a consistent state. Must not change the state. The
   * default refuses.
   *
   * @param query the query, of the command type
   * @return the answer
   */
  default R query(C query) {
    throw new UnsupportedOperationException(getClass().getName() + " does not answer queries");
  }

  /**
   * Captures the current state for a snapshot. Called on the apply thread between applies, so the
   * state is consistent; it should return quickly (take a copy, or hand out an immutable
   * structure), because the returned image is written to disk on another thread while applies go
   * on. The default refuses: a state machine that cannot snapshot keeps its whole log.
   *
   * @return an image of the state now, independent of later applies
   */
  default Snapshot snapshot() {
    throw new UnsupportedOperationException(getClass().getName() + " does not take snapshots");
  }

  /**
   * Replaces the whole state with an image written by a {@link Snapshot}. Called on the apply
   * thread, with no apply in progress, when the node starts from a snapshot or a leader sends one.
   * If it throws, the node may call it again with an older image, so it must not depend on the
   * state it replaces. The stream may be closed or left open; after this returns the node reads the
   * rest itself, to check the image's checksum.
   *
   * @throws IOException when reading fails or the image is invalid
   */
  default void restoreSnapshot(InputStream in) throws IOException {
    throw new UnsupportedOperationException(getClass().getName() + " does not restore snapshots");
  }

  /** A point-in-time image of the state, returned by {@link #snapshot()}. */
  @FunctionalInterface
  interface Snapshot {

    /**
     * Writes the image. Called once, off the apply thread, while later commands are applied. The
     * stream may be closed or left open; the node completes the snapshot after this returns.
     *
     * @throws IOException when writing fails; the snapshot is then abandoned
     */
    void writeTo(OutputStream out) throws IOException;
  }
}
