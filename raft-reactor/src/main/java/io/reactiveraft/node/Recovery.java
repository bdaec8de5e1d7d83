package io.reactiveraft.node;

import io.reactiveraft.RaftConfig;
import io.reactiveraft.core.RaftLog;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node starts from: the newest snapshot that restores cleanly, and the log after it. A
 * damaged newest snapshot falls back to an older one, which works as long as the log store still
 * reaches back to it (it keeps entries back to the previous snapshot); a log that needs a snapshot
 * none of which is valid is an error, never a silent blank start.
 */
final class Recovery {

  private static final int LOAD_CHUNK = 4096;

  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  /** The snapshot restored (null when none) and the log that continues it. */
  record Recovered(SnapshotMeta snapshot, RaftLog log) {}

  private Recovery() {}

  /**
   * Restores the state machine and sessions from the newest valid snapshot, then reads the log
   * after it, discarding entries the snapshot covers or contradicts. Blocking; runs before the node
   * starts.
   *
   * @throws IllegalStateException when the stored state cannot be used
   */
  static <C, R> Recovered recover(RaftConfig<C, R> config, SessionTable<R> sessions) {
    LogStore store = config.logStore();
    Restored restored =
        config.snapshotStore().map(s -> restoreNewest(s, config, sessions)).orElse(null);
    SnapshotMeta snapshot = restored == null ? null : restored.snapshot();
    long first = store.firstIndex();
    long last = store.lastIndex();
    if (snapshot == null) {
      if (first > 1) {
        throw new IllegalStateException(
            "node "
                + config.selfId()
                + ": the log starts at "
                + first
                + " but no valid snapshot covers the entries before it");
      }
      return new Recovered(null, load(config, 0, 0));
    }
    long s = snapshot.index();
    if (first > s + 1) {
      throw new IllegalStateException(
          "node "
              + config.selfId()
              + ": the log starts at "
              + first
              + " but the newest valid snapshot ends at "
              + s);
    }
    // Only now that the log is usable with the older snapshot: a start that fails leaves them be.
    setAside(config.snapshotStore().orElseThrow(), restored.failedNewer(), config.selfId());
    // The log continues the snapshot only if it holds the snapshot's last entry (log matching);
    // a log that is shorter, or holds another term there, is discarded.
    boolean continues =
        first == s + 1 || (last >= s && store.entries(s, s).get(0).term() == snapshot.term());
    if (!continues) {
      if (last > s) {
        store.truncateSuffix(s + 1);
      }
      // Durable with the node's first flush; a crash before it finds the same log, and decides
      // the same again.
      store.discardPrefix(s);
    }
    // A log that continues the snapshot may reach back before it (the store keeps one snapshot
    // interval more, for a fallback like this one); the core holds only what follows it.
    return new Recovered(snapshot, load(config, s, snapshot.term()));
  }

  /**
   * The core's log after {@code offset}: the store's entries, read in chunks, of which the log
   * keeps the latest in memory and reads older ones back from the store when needed.
   */
  private static RaftLog load(RaftConfig<?, ?> config, long offset, long offsetTerm) {
    LogStore store = config.logStore();
    RaftLog log = new RaftLog(offset, offsetTerm, store::entries, config.logEntriesInMemory());
    long last = store.lastIndex();
    for (long from = offset + 1; from <= last; from += LOAD_CHUNK) {
      long to = Math.min(last, from + LOAD_CHUNK - 1);
      store.entries(from, to).forEach(log::append);
      log.stored(to);
    }
    return log;
  }

  /**
   * The snapshots newer than the one restored failed although it did not: their data is damaged,
   * not the state machine unable to restore. Left listed, they would be tried first at every start
   * and count towards {@code logHistory} in place of snapshots that restore.
   */
  private static void setAside(SnapshotStore snapshots, List<SnapshotMeta> damaged, String self) {
    for (SnapshotMeta meta : damaged) {
      try {
        snapshots.setAside(meta);
        log.warn("node {}: snapshot {} set aside as damaged", self, meta.index());
      } catch (IOException | RuntimeException e) {
        log.warn("node {}: snapshot {} stays listed, though damaged", self, meta.index(), e);
      }
    }
  }

  /** The snapshot restored, or null for none held, and the newer ones that failed to restore. */
  private record Restored(SnapshotMeta snapshot, List<SnapshotMeta> failedNewer) {}

  private static <C, R> Restored restoreNewest(
      SnapshotStore snapshots, RaftConfig<C, R> config, SessionTable<R> sessions) {
    List<SnapshotMeta> held = snapshots.list();
    for (int i = held.size() - 1; i >= 0; i--) {
      SnapshotMeta meta = held.get(i);
      try (InputStream whole = snapshots.open(meta)) {
        // Checked whole before the state machine sees a byte: damage read as data could make it
        // allocate without bound or act on garbage before the checksum at the end fails.
        whole.transferTo(OutputStream.nullOutputStream());
      } catch (IOException | RuntimeException e) {
        log.warn(
            "node {}: snapshot {} fails its checksum; trying an older one",
            config.selfId(),
            meta.index(),
            e);
        continue;
      }
      try (InputStream in = snapshots.open(meta)) {
        SnapshotImage.restore(
            in, sessions, config.resultCodec().orElse(null), config.stateMachine());
        return new Restored(meta, List.copyOf(held.subList(i + 1, held.size())));
      } catch (IOException | RuntimeException e) {
        log.warn(
            "node {}: snapshot {} cannot be restored; trying an older one",
            config.selfId(),
            meta.index(),
            e);
      }
    }
    if (!held.isEmpty()) {
      // A failed restore may have left part of an image in the state machine: replaying the log
      // on top of it would silently corrupt the state.
      throw new IllegalStateException(
          "node "
              + config.selfId()
              + ": none of the "
              + held.size()
              + " snapshots held (the newest at index "
              + held.get(held.size() - 1).index()
              + ") restores cleanly; see the warnings above");
    }
    return null;
  }
}
