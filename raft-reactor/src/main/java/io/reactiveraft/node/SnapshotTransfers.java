package io.reactiveraft.node;

import io.reactiveraft.RaftEvent;
import io.reactiveraft.core.InjectedDefects;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import java.io.IOException;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

/**
 * Snapshots on the wire, both ways, on the node's IO worker: a leader reads chunks for followers, a
 * follower writes the chunks its leader sends and keeps the snapshot only if what arrived has the
 * checksum the leader gave it.
 */
final class SnapshotTransfers {

  private static final Logger log = LoggerFactory.getLogger(SnapshotTransfers.class);

  private final String self;
  private final SnapshotStore store;
  private final HeldSnapshots held;
  private final Scheduler.Worker io;
  private final Consumer<Object> loop;
  private final Consumer<Throwable> fatal;

  /** IO worker: the snapshot a leader is sending this node, being written. */
  private SnapshotSink incoming;

  /** IO worker: the CRC32C of the data of {@link #incoming} written so far. */
  private final CRC32C incomingChecksum = new CRC32C();

  /** Set when the node closes: work still under way ends quietly. */
  private volatile boolean closed;

  /**
   * @param loop where events go: into the node's event loop
   * @param fatal stops the node; any thread
   */
  SnapshotTransfers(
      String self,
      SnapshotStore store,
      HeldSnapshots held,
      Scheduler.Worker io,
      Consumer<Object> loop,
      Consumer<Throwable> fatal) {
    this.self = self;
    this.store = store;
    this.held = held;
    this.io = io;
    this.loop = loop;
    this.fatal = fatal;
  }

  /**
   * Leader: reads a chunk and sends it; a failure is logged and the stall timer retries. Every
   * chunk carries the CRC32C of the snapshot's whole data, which the follower checks what it
   * received against: the checksum this node computed as it wrote or received the snapshot, or else
   * (a snapshot of an earlier run) the one of a whole read through the store's own checksum, before
   * any of it is sent. A snapshot damaged on this node's disk then never becomes a follower's
   * state: the follower drops it, and the recheck finds the damage.
   *
   * @param recheck read the snapshot whole again first: a follower received it damaged
   */
  void sendChunk(
      String to,
      long term,
      SnapshotMeta meta,
      long offset,
      int length,
      boolean recheck,
      Consumer<RaftMessage> send) {
    io.schedule(
        () -> {
          try {
            OptionalInt checksum = held.checksumToSend(meta, recheck);
            if (checksum.isEmpty()) {
              return; // said once, when it failed; the stall timer keeps asking
            }
            byte[] data = store.read(meta, offset, length);
            send.accept(
                new InstallSnapshotRequest(
                    self, to, term, meta, checksum.getAsInt(), offset, data));
          } catch (IOException | RuntimeException e) {
            log.warn("node {}: cannot read snapshot {} for {}", self, meta.index(), to, e);
          } catch (Error e) {
            if (!closed) {
              fatal.accept(e);
            }
          }
        });
  }

  /**
   * Follower: writes a chunk from the leader (one at offset 0 starts a new snapshot), commits the
   * snapshot after its last chunk if what arrived has the leader's checksum, then reports. A
   * snapshot that does not is dropped, and the transfer starts over. A write that fails stops the
   * node: the disk is failing, as for the log.
   */
  void storeChunk(InstallSnapshotRequest chunk) {
    io.schedule(
        () -> {
          try {
            SnapshotMeta meta = chunk.snapshot();
            if (chunk.offset() == 0) {
              abandonIncoming();
              incoming = store.create(meta.index(), meta.term(), meta.configuration());
              incomingChecksum.reset();
            } else if (incoming == null) {
              return; // its start was abandoned; the leader will start over
            }
            incoming.out().write(chunk.data());
            incomingChecksum.update(chunk.data());
            if (chunk.last() && !commitIncoming(chunk)) {
              return;
            }
            long next = chunk.offset() + chunk.data().length;
            loop.accept(new RaftEvent.SnapshotChunkStored(chunk.from(), chunk.term(), meta, next));
          } catch (IOException | RuntimeException | Error e) {
            abandonIncoming();
            if (!closed) {
              fatal.accept(e);
            }
          }
        });
  }

  /** The last chunk is written: keeps the snapshot if it arrived whole and intact. */
  private boolean commitIncoming(InstallSnapshotRequest last) throws IOException {
    SnapshotMeta meta = last.snapshot();
    int received = (int) incomingChecksum.getValue();
    if (received != last.checksum()
        && !InjectedDefects.on(InjectedDefects.Defect.ACCEPT_DAMAGED_SNAPSHOT)) {
      abandonIncoming();
      log.error(
          "node {}: snapshot {} from {} arrived damaged (CRC32C {} where the leader read {}); it"
              + " is dropped and asked for again",
          self,
          meta.index(),
          last.from(),
          Integer.toHexString(received),
          Integer.toHexString(last.checksum()));
      loop.accept(new RaftEvent.SnapshotDataDamaged(last.from(), last.term(), meta));
      return false;
    }
    SnapshotMeta committed = incoming.commit();
    incoming = null;
    if (committed.size() != meta.size()) {
      throw new IOException(
          "snapshot "
              + meta.index()
              + " stored "
              + committed.size()
              + " bytes, not "
              + meta.size());
    }
    held.stored(committed, received); // its checksum, for when this node leads
    return true;
  }

  /** Follower: deletes the snapshot being received, after the chunks queued before. */
  void discardIncoming() {
    io.schedule(this::abandonIncoming);
  }

  private void abandonIncoming() {
    if (incoming != null) {
      incoming.close();
      incoming = null;
    }
  }

  /** Releases a snapshot being received. */
  void close() {
    closed = true;
    io.schedule(this::abandonIncoming);
  }
}
