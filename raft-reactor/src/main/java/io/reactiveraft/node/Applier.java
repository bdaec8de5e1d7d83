package io.reactiveraft.node;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.InvalidCommandException;
import io.reactiveraft.StateMachine;
import io.reactiveraft.core.ConfigurationCodec;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.Codec;
import io.reactiveraft.spi.SnapshotMeta;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Exceptions;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Applies committed entries to the state machine on the apply worker, off the event loop, so a slow
 * state machine delays results but never heartbeats; then completes the callers.
 *
 * @param <C> command type
 * @param <R> result type
 */
final class Applier<C, R> {

  private static final Logger log = LoggerFactory.getLogger(Applier.class);

  private final Scheduler.Worker worker;
  private final StateMachine<C, R> stateMachine;
  private final Codec<C> codec;
  private final PendingRequests<R> pending;
  private final SessionTable<R> sessions;
  private final Snapshotter<C, R> snapshotter;
  private volatile long lastApplied;

  /** Apply thread: the term of the entry at lastApplied, and the configuration in force there. */
  private long lastAppliedTerm;

  private ClusterConfiguration appliedConfiguration;

  /** Stops the node; for whatever leaves this thread's state in doubt. */
  private final Consumer<Throwable> fatal;

  /**
   * Apply thread: set once an apply or a restore went wrong in a way that leaves the state in
   * doubt. Nothing is applied, answered or snapshotted after it: the node is stopping, and a node
   * that skipped entries must not serve reads or persist a snapshot of its state.
   */
  private boolean failed;

  /** Set when the node stops: what is still queued here is skipped, so a close need not wait. */
  private volatile boolean stopped;

  /**
   * What to run once the next entries are applied, set while the core holds committed entries back
   * from this thread; null otherwise, which costs an apply one volatile read.
   */
  private final AtomicReference<Runnable> onProgress = new AtomicReference<>();

  /**
   * @param lastApplied where applies resume: the index, term and configuration of the snapshot the
   *     state was restored from, or 0 with the initial configuration
   */
  Applier(
      Scheduler.Worker worker,
      StateMachine<C, R> stateMachine,
      Codec<C> codec,
      PendingRequests<R> pending,
      SessionTable<R> sessions,
      Snapshotter<C, R> snapshotter,
      long lastApplied,
      long lastAppliedTerm,
      ClusterConfiguration appliedConfiguration,
      Consumer<Throwable> fatal) {
    this.fatal = fatal;
    this.sessions = sessions;
    this.worker = worker;
    this.stateMachine = stateMachine;
    this.codec = codec;
    this.pending = pending;
    this.snapshotter = snapshotter;
    this.lastApplied = lastApplied;
    this.lastAppliedTerm = lastAppliedTerm;
    this.appliedConfiguration = appliedConfiguration;
  }

  /**
   * Queues a restore from {@code snapshot} (sent by the leader): applies queued earlier happen
   * before it, later ones after. A snapshot that cannot be read is fatal. Thread-safe.
   */
  void restore(SnapshotMeta snapshot) {
    onApplyThread(
        () -> {
          try {
            snapshotter.restore(snapshot);
          } catch (IOException e) {
            throw new UncheckedIOException("restoring snapshot " + snapshot.index() + " failed", e);
          }
          lastApplied = snapshot.index();
          lastAppliedTerm = snapshot.term();
          appliedConfiguration = snapshot.configuration();
          pending.missedUpTo(snapshot.index());
          runReadyQueries();
          progressed();
        });
  }

  /**
   * Runs {@code task} on the apply thread unless the state is already in doubt. Anything it throws
   * puts the state in doubt: the caller's own exceptions are caught before they reach here, so what
   * arrives is a state machine's {@code Error}, a snapshot that cannot be restored or a broken
   * invariant, and each of them stops the node.
   */
  private void onApplyThread(Runnable task) {
    worker.schedule(
        () -> {
          if (failed || stopped) {
            return;
          }
          try {
            task.run();
          } catch (Throwable e) {
            failed = true;
            fatal.accept(e);
            Exceptions.throwIfJvmFatal(e);
          }
        });
  }

  /** Queues a snapshot of the state as of the applies queued before. Thread-safe. */
  void snapshotNow(Sinks.One<Long> done) {
    onApplyThread(() -> snapshotter.take(lastApplied, lastAppliedTerm, appliedConfiguration, done));
  }

  /**
   * Queues entries for apply; they apply in the order queued, after {@code accepted} (the callers
   * accepted since the last call, {@link PendingRequests#handOver}) start waiting. Thread-safe.
   */
  void apply(List<LogEntry> entries, List<CommandRequest<R>> accepted) {
    onApplyThread(
        () -> {
          pending.awaitApply(accepted, lastApplied);
          applyAll(entries);
        });
  }

  /** The node stopped: tasks still queued do nothing. Thread-safe. */
  void stop() {
    stopped = true;
  }

  long lastApplied() {
    return lastApplied;
  }

  /**
   * Runs {@code wake} once, from the apply thread, when entries past {@code seen} have applied; at
   * once, here, if they already have. The loop asks this while the core holds entries back, so it
   * hands out more as soon as there is room. Thread-safe.
   */
  void wakeWhenPast(long seen, Runnable wake) {
    onProgress.set(wake);
    if (lastApplied > seen) {
      progressed(); // applied in between: nothing else may come to take it
    }
  }

  private void progressed() {
    if (onProgress.get() != null) {
      Runnable wake = onProgress.getAndSet(null);
      if (wake != null) {
        wake.run();
      }
    }
  }

  /**
   * Runs {@code query} on the apply thread once {@code index} is applied, between applies, so it
   * sees the state as of at least that index. Thread-safe.
   */
  void whenApplied(long index, Runnable query) {
    onApplyThread(
        () -> {
          if (lastApplied >= index) {
            query.run();
          } else {
            waitingQueries.add(new WaitingQuery(index, query));
          }
        });
  }

  private record WaitingQuery(long index, Runnable query) {}

  /**
   * Apply thread only. Lowest index first: read indexes come nearly in order, but not quite (a read
   * served under the lease is given the commit index at once, while one asked earlier may still be
   * waiting for its heartbeat round, and gets a lower one later).
   */
  private final PriorityQueue<WaitingQuery> waitingQueries =
      new PriorityQueue<>(Comparator.comparingLong(WaitingQuery::index));

  private void runReadyQueries() {
    while (!waitingQueries.isEmpty() && waitingQueries.peek().index() <= lastApplied) {
      waitingQueries.poll().query().run();
    }
  }

  private void applyAll(List<LogEntry> entries) {
    long bytes = 0;
    for (LogEntry entry : entries) {
      if (stopped) {
        return; // a close should not wait for the rest of a long batch, nor snapshot it
      }
      if (entry.index() <= lastApplied) {
        continue;
      }
      if (entry.index() != lastApplied + 1) {
        throw new IllegalStateException(
            "entry "
                + entry.index()
                + " would apply after "
                + lastApplied
                + ": entries are missing");
      }
      if (entry.type() == EntryType.COMMAND) {
        applyCommand(entry);
      } else if (entry.type() == EntryType.SESSION_COMMAND) {
        applySessionCommand(entry);
      } else {
        if (entry.type() == EntryType.CONFIGURATION) {
          appliedConfiguration = ConfigurationCodec.decode(entry.payload());
        }
        // A caller waiting on this index had its command there replaced: a new leader's no-op or
        // configuration entry is the usual replacement.
        pending.appliedWithoutCommand(entry.index(), entry.term());
      }
      bytes += entry.payload().length;
      lastApplied = entry.index();
      lastAppliedTerm = entry.term();
    }
    runReadyQueries();
    progressed();
    snapshotter.applied(lastApplied, lastAppliedTerm, appliedConfiguration, bytes);
  }

  private void applySessionCommand(LogEntry entry) {
    SessionCommand command;
    try {
      command = SessionCommand.decode(entry.payload());
    } catch (IllegalArgumentException e) {
      // Only a faulty or foreign peer forwards such a payload, but once committed it is in every
      // log: each node refuses it the same way and goes on, rather than stopping on it for ever.
      log.warn("entry {} is no session command ({}); it is refused", entry.index(), e.getMessage());
      pending.applyFailed(
          entry.index(),
          entry.term(),
          new InvalidCommandException(
              "entry " + entry.index() + " is no session command: " + e.getMessage(), e));
      return;
    }
    SessionTable.Outcome<R> outcome = sessions.admit(command);
    if (outcome instanceof SessionTable.Outcome.Duplicate<R> duplicate) {
      pending.applied(entry.index(), entry.term(), duplicate.result());
    } else if (outcome instanceof SessionTable.Outcome.Refused<R> refused) {
      pending.applyFailed(entry.index(), entry.term(), refused.error());
    } else {
      sessions.record(command, applyToStateMachine(entry, command.command()));
    }
  }

  private void applyCommand(LogEntry entry) {
    applyToStateMachine(entry, entry.payload());
  }

  /** Applies and completes the caller with the result or the error. */
  private SessionTable.Applied<R> applyToStateMachine(LogEntry entry, byte[] encoded) {
    R result;
    try {
      result = stateMachine.apply(entry.index(), codec.decode(encoded));
    } catch (RuntimeException e) {
      // The same command fails the same way on every node (apply is deterministic), so the
      // state stays consistent; the caller gets the error and the log moves on.
      log.warn("state machine failed to apply entry {}", entry.index(), e);
      pending.applyFailed(entry.index(), entry.term(), e);
      return new SessionTable.Applied<>(null, e);
    }
    pending.applied(entry.index(), entry.term(), result);
    return new SessionTable.Applied<>(result, null);
  }
}
