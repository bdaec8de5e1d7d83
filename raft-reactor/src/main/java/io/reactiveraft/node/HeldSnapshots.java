package io.reactiveraft.node;

import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots a node holds, as its IO worker sees them: the checksum of each one's data, which of
 * them are being sent to followers, and the retention that keeps the newest ones and those.
 *
 * <p>IO worker only, but {@link #indexes}, which any thread may read.
 */
final class HeldSnapshots {

  private static final Logger log = LoggerFactory.getLogger(HeldSnapshots.class);

  /**
   * How long retention keeps a snapshot after a chunk of it was last read for a follower: deleting
   * it would make its transfer start over with a newer one, and with snapshots coming faster than a
   * large one can be sent, a transfer could start over for good.
   */
  static final long SENDING_PINS_NANOS = 60_000_000_000L;

  private final String self;
  private final SnapshotStore store;
  private final int keep;
  private final LongSupplier clock;

  /**
   * The CRC32C of each snapshot's data, or empty when the store's checksum failed: as this node
   * wrote or received it, or else read whole once, the first time it is sent. Several may be in use
   * at once (followers part-way through an older one when a newer one is taken), so each is read at
   * most once; entries of snapshots no longer held go with them.
   */
  private final Map<SnapshotMeta, OptionalInt> checksums = new HashMap<>();

  /** When (monotonic nanos) a chunk of each snapshot was last read for a follower. */
  private final Map<SnapshotMeta, Long> lastSent = new HashMap<>();

  private volatile List<Long> indexes;

  /**
   * @param keep the history kept (the node's {@code logHistory})
   * @param clock the node's monotonic clock, in nanoseconds
   */
  HeldSnapshots(String self, SnapshotStore store, int keep, LongSupplier clock) {
    this.self = self;
    this.store = store;
    this.keep = keep;
    this.clock = clock;
    this.indexes = indexesOf(store.list());
  }

  private static List<Long> indexesOf(List<SnapshotMeta> snapshots) {
    return snapshots.stream().map(SnapshotMeta::index).toList();
  }

  /** The indexes of the snapshots held, oldest first. Thread-safe. */
  List<Long> indexes() {
    return indexes;
  }

  /**
   * This node wrote or received {@code meta}, whose data has {@code checksum}, and it is durable:
   * retention runs, and a failure there only leaves old snapshots a while.
   */
  void stored(SnapshotMeta meta, int checksum) {
    checksums.put(meta, OptionalInt.of(checksum));
    try {
      store.retainNewest(keepWithThoseBeingSent());
    } catch (IOException | RuntimeException e) {
      log.warn("node {}: removing old snapshots failed; they go after the next one", self, e);
    }
    List<SnapshotMeta> kept = store.list();
    checksums.keySet().retainAll(kept);
    indexes = indexesOf(kept);
  }

  /**
   * A chunk of {@code meta} is about to be read for a follower: the checksum of its data, reading
   * it whole first if unknown or if {@code recheck} (a follower received it damaged); empty when
   * the store's checksum fails, and the snapshot must not be sent.
   */
  OptionalInt checksumToSend(SnapshotMeta meta, boolean recheck) {
    lastSent.put(meta, clock.getAsLong());
    if (recheck) {
      checksums.remove(meta);
    }
    OptionalInt known = checksums.get(meta);
    if (known != null) {
      return known;
    }
    OptionalInt intact;
    CRC32C crc = new CRC32C();
    try (InputStream whole = new CheckedInputStream(store.open(meta), crc)) {
      whole.transferTo(OutputStream.nullOutputStream());
      intact = OptionalInt.of((int) crc.getValue());
    } catch (IOException | RuntimeException e) {
      log.error(
          "node {}: snapshot {} fails its checksum; it is not sent, and followers that need it wait"
              + " for the next snapshot",
          self,
          meta.index(),
          e);
      intact = OptionalInt.empty();
    }
    checksums.put(meta, intact);
    return intact;
  }

  /**
   * The history kept, stretched back to the oldest snapshot still being sent to a follower. The
   * store keeps the newest ones only, so every snapshot taken since is kept too: no further back
   * than twice the history, lest a slow transfer fill the disk. A transfer whose snapshot goes
   * anyway moves to the newest one.
   */
  private int keepWithThoseBeingSent() {
    long now = clock.getAsLong();
    lastSent.values().removeIf(at -> now - at > SENDING_PINS_NANOS);
    if (lastSent.isEmpty()) {
      return keep;
    }
    List<SnapshotMeta> held = store.list(); // oldest first
    for (int i = 0; i < held.size(); i++) {
      if (lastSent.containsKey(held.get(i)) && held.size() - i <= 2 * keep) {
        return Math.max(keep, held.size() - i);
      }
    }
    return keep;
  }
}
