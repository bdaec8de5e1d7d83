package io.reactiveraft.message;

import io.reactiveraft.spi.SnapshotMeta;
import java.util.Objects;

/**
 * One chunk of a snapshot a leader sends to a follower whose next entry it no longer holds (paper
 * section 7). The leader sends one chunk at a time and the next only when this one is answered, so
 * a transfer of any size holds one chunk in memory at each end.
 *
 * <p>The data array is shared, never copied: neither sender nor receiver may modify it.
 *
 * <p>The checksum covers the whole snapshot, end to end: the leader computed it as it wrote or
 * received the snapshot (or, for one of an earlier run, as it read it whole through the store's own
 * checks), and the follower keeps what it received only if it has the same one. Damage on the
 * leader's disk since, or on the way, is then caught before it becomes the follower's state.
 *
 * @param snapshot the snapshot being sent
 * @param checksum the CRC32C of the snapshot's whole data; the same in every chunk
 * @param offset where {@code data} starts in the snapshot's data
 * @param data the chunk
 */
public record InstallSnapshotRequest(
    String from,
    String to,
    long term,
    SnapshotMeta snapshot,
    int checksum,
    long offset,
    byte[] data)
    implements RaftMessage {

  /**
   * @throws IllegalArgumentException when the chunk lies outside the snapshot's data
   */
  public InstallSnapshotRequest {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(data, "data");
    if (offset < 0 || offset > snapshot.size() - data.length) { // no overflow near MAX_VALUE
      throw new IllegalArgumentException(
          "chunk ["
              + offset
              + ", "
              + (offset + data.length)
              + ") outside a snapshot of "
              + snapshot.size()
              + " bytes");
    }
  }

  /** Whether this chunk ends the snapshot. */
  public boolean last() {
    return offset + data.length == snapshot.size();
  }

  @Override
  public String toString() {
    return "InstallSnapshotRequest["
        + from
        + "->"
        + to
        + " term="
        + term
        + " snapshot="
        + snapshot.index()
        + "@"
        + snapshot.term()
        + " offset="
        + offset
        + " "
        + data.length
        + "B]";
  }
}
