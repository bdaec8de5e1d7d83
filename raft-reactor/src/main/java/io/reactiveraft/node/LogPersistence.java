package io.reactiveraft.node;

import io.reactiveraft.RaftEvent;
import io.reactiveraft.core.Action;
import io.reactiveraft.core.InjectedDefects;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LogStore;
import java.util.List;
import java.util.function.Consumer;

/**
 * The node's writes to its log store, made in the order the core's actions ask for them, and what
 * comes back: a flushed append returns to the loop as {@link RaftEvent.LogDurable}, a failed flush
 * stops the node. Event loop only.
 */
final class LogPersistence {

  private final LogStore store;
  private final Consumer<RaftEvent> toLoop;
  private final Consumer<Throwable> stop;

  /** The last commit index handed to the store. */
  private long commitSaved;

  /**
   * @param toLoop hands an event to the node's loop
   * @param stop stops the node on its loop
   */
  LogPersistence(LogStore store, Consumer<RaftEvent> toLoop, Consumer<Throwable> stop) {
    this.store = store;
    this.toLoop = toLoop;
    this.stop = stop;
  }

  /** Durable on return, as the store's contract requires. */
  void saveHardState(HardState state) {
    store.saveHardState(state);
  }

  void truncateSuffix(long fromIndex) {
    store.truncateSuffix(fromIndex);
  }

  void discardPrefix(long upToIndex) {
    store.discardPrefix(upToIndex);
  }

  /** Appends, then asks for a flush whose completion tells the core the entries are durable. */
  void appendAndFlush(Action.AppendLog append) {
    List<LogEntry> entries = append.entries();
    store.append(entries);
    LogEntry last = entries.get(entries.size() - 1);
    RaftEvent durable = new RaftEvent.LogDurable(last.index(), last.term(), append.epoch());
    store.flush().subscribe(null, e -> flushFailed(e, durable), () -> toLoop.accept(durable));
  }

  /**
   * A failed flush stops the node. It is not retried: after a failed fsync, what it covered may
   * never reach the disk (Linux drops the dirty state of pages whose writeback failed), and a later
   * flush that reports success proves nothing about them.
   */
  private void flushFailed(Throwable e, RaftEvent durable) {
    if (InjectedDefects.on(InjectedDefects.Defect.RETRY_FAILED_FLUSH)) {
      store
          .flush()
          .subscribe(null, again -> flushFailed(again, durable), () -> toLoop.accept(durable));
      return;
    }
    stop.accept(e);
  }

  /**
   * Tells the store how far the log is committed, after the batch's appends and truncations (the
   * store's contract), so that a restart can apply that far before it hears from a leader.
   *
   * @param commitIndex the core's commit index
   * @param lastIndex the core's last log index, which only a deliberate defect saves instead
   */
  void saveCommitIndex(long commitIndex, long lastIndex) {
    long commit =
        InjectedDefects.on(InjectedDefects.Defect.SAVE_UNCOMMITTED_AS_COMMITTED)
            ? lastIndex
            : commitIndex;
    if (commit > commitSaved) {
      commitSaved = commit;
      store.saveCommitIndex(commit);
    }
  }
}
