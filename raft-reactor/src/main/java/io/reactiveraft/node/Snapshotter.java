package io.reactiveraft.node;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.StateMachine;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.spi.Codec;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * A node's snapshots: taking them of the state machine (by threshold or on demand) and restoring
 * state from them. Transfers to and from other nodes are left to {@link SnapshotTransfers}, and
 * what is known of the snapshots held (checksums, retention) to {@link HeldSnapshots}. All blocking
 * IO runs on one IO worker, never on the event loop or the apply thread; the image itself is
 * captured on the apply thread, between applies.
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

  /** What the IO worker knows of the snapshots held; null without a snapshot store. */
  private final HeldSnapshots held;

  /** Chunks to and from other nodes; null without a snapshot store. */
  private final SnapshotTransfers transfers;

  /** Set when the node closes: a snapshot being written ends quietly. */
  private volatile boolean closed;

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
    this.loop = loop;
    this.fatal = fatal;
    this.lastIndex = lastIndex;
    this.held =
        store == null
            ? null
            : new HeldSnapshots(self, store, config.logHistory(), config.monotonicClock());
    this.transfers =
        store == null ? null : new SnapshotTransfers(self, store, held, io, loop, fatal);
  }

  /** The indexes of the snapshots held, oldest first. Thread-safe. */
  List<Long> held() {
    return held == null ? List.of() : held.indexes();
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
    if (closed) {
      // The node is closing: its close waits for the IO worker once, and a write queued after
      // that could run under the close hook. Whoever asked was failed by the close.
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
      held.stored(meta, (int) checksum.getValue());
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
   * Chunks to other nodes; there are none without a snapshot store, and the core sends none then
   * (its log holds every entry).
   */
  SnapshotTransfers transfers() {
    return transfers;
  }

  /**
   * Follower: stores a chunk of the leader's snapshot.
   *
   * @throws IllegalStateException when this node has no snapshot store: a leader that compacted its
   *     log can bring it up to date no other way, so it stops, saying what to change
   */
  void storeChunk(InstallSnapshotRequest chunk) {
    if (transfers == null) {
      throw new IllegalStateException(
          "node "
              + self
              + " has no snapshot store, and leader "
              + chunk.from()
              + " sent it snapshot "
              + chunk.snapshot().index()
              + ": its log no longer holds the entries this node lacks. Give every node of the"
              + " cluster a snapshot store (RaftConfig.snapshotStore).");
    }
    transfers.storeChunk(chunk);
  }

  /** Follower: deletes the snapshot being received, after the chunks queued before. */
  void discardIncoming() {
    if (transfers != null) {
      transfers.discardIncoming();
    }
  }

  /** Ends work under way quietly and releases a snapshot being received. */
  void close() {
    closed = true;
    if (transfers != null) {
      transfers.close();
    }
  }
}
