package io.reactiveraft.node;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.StateMachine;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.Codec;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * A node's snapshot IO: taking snapshots of the state machine (by threshold or on demand), reading
 * chunks of them for followers, storing chunks a leader sends, and restoring state from them. All
 * blocking IO runs on one IO worker, never on the event loop or the apply thread; the image itself
 * is captured on the apply thread, between applies.
 *
 * @param <C> command type
 * @param <R> result type
 */
final class Snapshotter<C, R> {

  private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);

  private final String self;
  private final SnapshotStore store;
  private final StateMachine<C, R> machine;
  private final SessionTable<R> sessions;
  private final Codec<R> resultCodec;
  private final Scheduler.Worker io;
  private final Scheduler.Worker applyWorker;
  private final int snapshotThreshold;
  private final long snapshotThresholdBytes;
  private final int keep;
  private final Consumer<Object> loop;

  /** Stops the node: a failing disk or an {@code Error} on the IO worker. */
  private final Consumer<Throwable> fatal;

  /** Apply thread: whether the state machine refused to snapshot; then only the log is kept. */
  private boolean unsupported;

  /** Apply thread: a snapshot is being written; callers asking now wait for it. */
  private boolean writing;

  private final List<Sinks.One<Long>> waiting = new ArrayList<>();

  /**
   * Apply thread: where the state machine last failed to take a snapshot; the next try waits for a
   * threshold's worth of entries after it, not for the next batch.
   */
  private long lastFailedAt;

  /** Apply thread: the index of the newest snapshot held, and bytes applied since it. */
  private long lastIndex;

  private long bytesSince;

  /**
   * IO worker: the CRC32C of each snapshot's data, or empty when the store's checksum failed: as
   * this node wrote or received it, or else read whole once, the first time it is sent. Several may
   * be in use at once (followers part-way through an older one when a newer one is taken), so each
   * is read at most once; entries of snapshots no longer held are dropped as snapshots come and go.
   */
  private final Map<SnapshotMeta, OptionalInt> verified = new HashMap<>();

  /**
   * IO worker: when (monotonic nanos) a chunk of each snapshot was last read for a follower.
   * Retention keeps a snapshot sent within {@link #SENDING_PINS_NANOS}: deleting it would make its
   * transfer start over with a newer one, and with snapshots coming faster than a large one can be
   * sent, a transfer could start over for good.
   */
  private final Map<SnapshotMeta, Long> lastSent = new HashMap<>();

  private static final long SENDING_PINS_NANOS = 60_000_000_000L;

  private final java.util.function.LongSupplier clock;

  /** IO worker: the snapshot a leader is sending this node, being written. */
  private SnapshotSink incoming;

  /** IO worker: the CRC32C of the data of {@link #incoming} written so far. */
  private final CRC32C incomingChecksum = new CRC32C();

  /** The indexes of the snapshots held, oldest first, for status. */
  private volatile List<Long> held;

  /**
   * @param loop where events go: into the node's event loop
   * @param fatal stops the node; any thread
   */
  Snapshotter(
      RaftConfig<C, R> config,
      SessionTable<R> sessions,
      Scheduler.Worker io,
      Scheduler.Worker applyWorker,
      long lastIndex,
      Consumer<Object> loop,
      Consumer<Throwable> fatal) {
    this.self = config.selfId();
    this.store = config.snapshotStore().orElse(null);
    this.machine = config.stateMachine();
    this.sessions = sessions;
    this.resultCodec = config.resultCodec().orElse(null);
    this.io = io;
    this.applyWorker = applyWorker;
    this.snapshotThreshold = config.snapshotThreshold();
    this.snapshotThresholdBytes = config.snapshotThresholdBytes();
    this.keep = config.logHistory();
    this.loop = loop;
    this.fatal = fatal;
    this.clock = config.monotonicClock();
    this.lastIndex = lastIndex;
    this.held = store == null ? List.of() : indexes(store.list());
  }

  private static List<Long> indexes(List<SnapshotMeta> snapshots) {
    return snapshots.stream().map(SnapshotMeta::index).toList();
  }

  /** The indexes of the snapshots held, oldest first. Thread-safe. */
  List<Long> held() {
    return held;
  }

  // ---------------------------------------------------------------- taking (apply thread)

  /** Entries up to {@code index} were applied: takes a snapshot when a threshold is crossed. */
  void applied(long index, long term, ClusterConfiguration configuration, long bytes) {
    bytesSince += bytes;
    if (store == null || unsupported || writing) {
      return;
    }
    if (index - Math.max(lastIndex, lastFailedAt) >= snapshotThreshold
        || bytesSince >= snapshotThresholdBytes) {
      take(index, term, configuration, null);
    }
  }

  /**
   * Takes a snapshot of the state after {@code index} and completes {@code done} with its index
   * once it is durable (or with the newest one's, when nothing was applied since).
   */
  void take(long index, long term, ClusterConfiguration configuration, Sinks.One<Long> done) {
    if (store == null) {
      fail(done, new UnsupportedOperationException("no snapshot store is configured"));
      return;
    }
    if (writing) {
      if (done != null) {
        waiting.add(done); // answered when the snapshot being written is durable
      }
      return;
    }
    if (index <= lastIndex) {
      if (done != null) {
        CallerSignals.value(done, lastIndex);
      }
      return;
    }
    StateMachine.Snapshot image;
    try {
      image = machine.snapshot();
    } catch (UnsupportedOperationException e) {
      if (!unsupported) {
        log.warn("node {}: the state machine does not take snapshots; the log is kept whole", self);
      }
      unsupported = true;
      fail(done, e);
      return;
    } catch (RuntimeException e) {
      failedToTake(index, done, e);
      return;
    }
    byte[] encodedSessions;
    try {
      encodedSessions = SnapshotImage.encodeSessions(sessions, resultCodec);
    } catch (RuntimeException e) {
      // Not the state machine's refusal, even if the result codec throws the same exception type:
      // the next snapshot tries again.
      failedToTake(index, done, e);
      return;
    }
    writing = true;
    if (done != null) {
      waiting.add(done);
    }
    io.schedule(() -> write(index, term, configuration, encodedSessions, image));
  }

  private void failedToTake(long index, Sinks.One<Long> done, RuntimeException e) {
    log.warn("node {}: taking a snapshot at {} failed; the log is kept", self, index, e);
    lastFailedAt = index;
    bytesSince = 0;
    fail(done, e);
  }

  private static void fail(Sinks.One<Long> done, RuntimeException error) {
    if (done != null) {
      CallerSignals.error(done, error);
    }
  }

  /**
   * IO worker. Whatever happens here, the apply thread hears that the write ended: were it not to,
   * no snapshot would be taken again and every caller of {@code snapshot()} would wait for good. An
   * {@code Error} (from the state machine's {@code writeTo}, say) stops the node, as it does on the
   * apply thread.
   */
  private void write(
      long index,
      long term,
      ClusterConfiguration configuration,
      byte[] encodedSessions,
      StateMachine.Snapshot image) {
    SnapshotMeta meta = null;
    RuntimeException error = null;
    CRC32C checksum = new CRC32C();
    try (SnapshotSink sink = store.create(index, term, configuration)) {
      SnapshotImage.write(new CheckedOutputStream(sink.out(), checksum), encodedSessions, image);
      meta = sink.commit();
      // What followers are sent must have this checksum, so it need not be read back first.
      verified.put(meta, OptionalInt.of((int) checksum.getValue()));
      retainNewest(); // the new snapshot is durable whether or not older ones could go
    } catch (IOException e) {
      error = new UncheckedIOException("snapshot at " + index + " failed", e);
    } catch (RuntimeException e) {
      error = e;
    } catch (Error e) {
      error = new IllegalStateException("snapshot at " + index + " failed: " + e, e);
      if (!closed) {
        fatal.accept(e);
      }
    }
    if (closed) {
      return; // the node closed under it, perhaps interrupting it; it is not retried
    }
    if (error != null) {
      log.warn("node {}: snapshot at {} failed; the log is kept", self, index, error);
    } else {
      loop.accept(new RaftEvent.SnapshotTaken(meta));
    }
    SnapshotMeta written = meta;
    RuntimeException failure = error;
    try {
      applyWorker.schedule(() -> written(index, written, failure));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("node {}: closed while snapshot {} was written", self, index);
    }
  }

  /**
   * IO worker: deletes snapshots beyond the history kept; a failure only leaves them a while.
   * Checksums of snapshots gone are forgotten with them.
   */
  private void retainNewest() {
    try {
      store.retainNewest(keepWithThoseBeingSent());
    } catch (IOException | RuntimeException e) {
      log.warn("node {}: removing old snapshots failed; they go after the next one", self, e);
    }
    List<SnapshotMeta> kept = store.list();
    verified.keySet().retainAll(kept);
    held = indexes(kept);
  }

  /**
   * IO worker: the history kept, stretched back to the oldest snapshot still being sent to a
   * follower.
   */
  private int keepWithThoseBeingSent() {
    long now = clock.getAsLong();
    lastSent.values().removeIf(at -> now - at > SENDING_PINS_NANOS);
    if (lastSent.isEmpty()) {
      return keep;
    }
    List<SnapshotMeta> held = store.list(); // oldest first
    int stretched = keep;
    for (int i = 0; i < held.size(); i++) {
      if (lastSent.containsKey(held.get(i))) {
        stretched = Math.max(stretched, held.size() - i);
        break;
      }
    }
    return stretched;
  }

  /** Apply thread: the write ended. */
  private void written(long index, SnapshotMeta meta, RuntimeException error) {
    writing = false;
    if (meta != null) {
      lastIndex = Math.max(lastIndex, meta.index());
    } else {
      lastFailedAt = index;
    }
    bytesSince = 0;
    for (Sinks.One<Long> done : waiting) {
      if (meta != null) {
        CallerSignals.value(done, meta.index());
      } else {
        CallerSignals.error(done, error);
      }
    }
    waiting.clear();
  }

  // ---------------------------------------------------------------- restoring (apply thread)

  /** Replaces sessions and state with a snapshot the store holds. */
  void restore(SnapshotMeta meta) throws IOException {
    try (InputStream in = store.open(meta)) {
      SnapshotImage.restore(in, sessions, resultCodec, machine);
    }
    lastIndex = meta.index();
    bytesSince = 0;
  }

  // ---------------------------------------------------------------- transfers (IO worker)

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
            if (recheck) {
              verified.remove(meta);
            }
            OptionalInt checksum = verified(meta);
            if (checksum.isEmpty()) {
              return; // said once, when it failed; the stall timer keeps asking
            }
            byte[] data = store.read(meta, offset, length);
            lastSent.put(meta, clock.getAsLong());
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
   * IO worker: the CRC32C of {@code meta}'s data, reading it whole the first time; empty when the
   * store's checksum fails.
   */
  private OptionalInt verified(SnapshotMeta meta) {
    OptionalInt known = verified.get(meta);
    if (known != null) {
      return known;
    }
    verified.keySet().retainAll(store.list());
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
    verified.put(meta, intact);
    return intact;
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
            if (chunk.last()) {
              int received = (int) incomingChecksum.getValue();
              if (received != chunk.checksum()) {
                abandonIncoming();
                log.error(
                    "node {}: snapshot {} from {} arrived damaged (CRC32C {} where the leader read"
                        + " {}); it is dropped and asked for again",
                    self,
                    meta.index(),
                    chunk.from(),
                    Integer.toHexString(received),
                    Integer.toHexString(chunk.checksum()));
                loop.accept(new RaftEvent.SnapshotDataDamaged(chunk.from(), chunk.term(), meta));
                return;
              }
              SnapshotMeta committed = incoming.commit();
              incoming = null;
              verified.put(committed, OptionalInt.of(received)); // for when this node leads
              if (committed.size() != meta.size()) {
                throw new IOException(
                    "snapshot "
                        + meta.index()
                        + " stored "
                        + committed.size()
                        + " bytes, not "
                        + meta.size());
              }
              retainNewest();
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

  /** Set when the node closes: work still under way ends quietly. */
  private volatile boolean closed;

  /** Releases a snapshot being received. */
  void close() {
    closed = true;
    io.schedule(this::abandonIncoming);
  }
}
