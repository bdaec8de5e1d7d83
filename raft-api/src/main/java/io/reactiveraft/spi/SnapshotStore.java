package io.reactiveraft.spi;

import io.reactiveraft.ClusterConfiguration;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Keeps one node's snapshots. The default stores them as files beside the log; an implementation
 * may keep them elsewhere (an object store, a shared volume).
 *
 * <p>Threading: methods may block on IO, and the node calls them off its event loop. They may be
 * called from several threads at once (a snapshot being written while an older one is read for a
 * follower), so implementations must be thread-safe.
 *
 * <p>Durability: a snapshot is listed only once {@link SnapshotSink#commit()} returned, and a
 * committed snapshot survives a crash. A crash while one is written leaves no trace of it in {@link
 * #list()}.
 */
public interface SnapshotStore {

  /** The committed snapshots whose files look complete, oldest first (by index). */
  List<SnapshotMeta> list();

  /**
   * Starts a snapshot of the state after {@code index}.
   *
   * @throws IOException when it cannot be created (disk full, directory not writable)
   */
  SnapshotSink create(long index, long term, ClusterConfiguration configuration) throws IOException;

  /**
   * All of a snapshot's data. The stream verifies the snapshot's checksum and throws an {@link
   * IOException} at the end of the data when it does not match: a reader must consume it to the end
   * before trusting what it read.
   *
   * @throws IOException when the snapshot is gone or unreadable
   */
  InputStream open(SnapshotMeta snapshot) throws IOException;

  /**
   * Up to {@code length} bytes of a snapshot's data from {@code offset}; fewer only at its end.
   * Used to send a snapshot to a follower in chunks.
   *
   * @throws IOException when the snapshot is gone or unreadable
   */
  byte[] read(SnapshotMeta snapshot, long offset, int length) throws IOException;

  /**
   * Deletes all but the newest {@code keep} snapshots, and any left over from a crash in the middle
   * of writing.
   *
   * @throws IOException when a file cannot be deleted
   */
  void retainNewest(int keep) throws IOException;

  /**
   * Takes {@code snapshot} out of {@link #list()}, and so out of {@link #retainNewest}'s count: it
   * could not be restored although an older one could, so its data is damaged. Left listed, it
   * would be tried first at every start and kept in place of snapshots that restore. A store may
   * keep the bytes for inspection, under a name it never lists. The default refuses; the node then
   * leaves the snapshot listed and says so.
   *
   * @throws IOException when the snapshot cannot be moved aside
   */
  default void setAside(SnapshotMeta snapshot) throws IOException {
    throw new UnsupportedOperationException(getClass().getName() + " cannot set snapshots aside");
  }
}
