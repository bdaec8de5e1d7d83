package io.reactiveraft.sim;

import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.LostEntries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A node's disk in the simulation. It survives the node: a crash keeps what was forced, plus a
 * random prefix of the writes made since (a real log recovers a valid prefix of its unforced tail,
 * whatever pages reached the disk). Term and vote are durable when stored.
 *
 * <p>A flush completes after a random fsync delay on the simulation's clock, and makes durable what
 * was written before it was asked for. It also records the commit index the node saved, as far as
 * the forced log holds the entries it covers (a truncation not yet forced, or a new start not yet
 * forced, holds it back), which is what a crash keeps.
 *
 * <p>Logs are lists from index 1. An entry discarded because a snapshot covers it is a null: the
 * invariant checks treat it as committed and durable (the snapshot that covers it is).
 */
final class SimDisk {

  /**
   * A write since the last durable point: an append of one entry, a truncation from {@code
   * truncateFrom}, or (with {@code discardUpTo} > 0) a discarded prefix, which {@code emptiesLog}
   * when it reaches the log's last entry.
   */
  private record Write(
      long seq, LogEntry append, long truncateFrom, long discardUpTo, boolean emptiesLog) {}

  private final String nodeId;
  private final Scheduler scheduler;
  private final SplittableRandom random;
  private final Duration maxSyncDelay;
  private final List<LogEntry> durable = new ArrayList<>();
  private final List<Write> unforced = new ArrayList<>();

  /**
   * Every entry this node discarded under a snapshot, by index, kept for the checker (a wipe keeps
   * it too): a node may commit, apply, snapshot and compact in less than one step of the checker,
   * which then learns the committed entries from here.
   */
  private final java.util.Map<Long, LogEntry> compacted = new java.util.HashMap<>();

  private HardState hardState = HardState.INITIAL;

  /** The commit index the running incarnation saved last. */
  private long commitSaved;

  /** The commit index recorded with forced writes; survives a crash. */
  private long commitRecorded;

  private long nextSeq;
  private long epoch;

  /**
   * What cuts at damage took, as the store reports it: the highest index lost, and the term of the
   * latest cut; cleared by a wipe only, as a new directory would be.
   */
  private LostEntries lost = LostEntries.NONE;

  /** The durable log just before the latest cut: it holds every entry the node acknowledged. */
  private List<LogEntry> beforeCut = List.of();

  /** Called when a truncation removes at least one entry. */
  Runnable onTruncation = () -> {};

  /**
   * Set by the nemesis: the next flush forces nothing and fails, as a device reporting an IO error
   * does. What it was to make durable stays unforced, so the crash that follows may lose it.
   */
  boolean failNextFlush;

  /**
   * The incarnation whose flush failed, or -1. As on Linux after a failed fsync, a later flush
   * reports success but does not make that write durable (the kernel dropped the pages' dirty
   * state): no flush of that incarnation that ends after the failure forces anything, until a crash
   * starts a new one. A store that retries, rather than fails for good, acknowledges writes the
   * disk may not hold.
   */
  private long failedEpoch = -1;

  /** The error of a flush failed on purpose; the node must stop on it, and nothing else. */
  static final class InjectedFsyncFailure extends java.io.UncheckedIOException {
    InjectedFsyncFailure(String nodeId) {
      super(new java.io.IOException("fsync failed on " + nodeId + " (injected)"));
    }
  }

  /** Where a broken invariant this disk sees is reported. */
  java.util.function.Consumer<String> onViolation = what -> {};

  SimDisk(String nodeId, Scheduler scheduler, SplittableRandom random, Duration maxSyncDelay) {
    this.nodeId = nodeId;
    this.scheduler = scheduler;
    this.random = random;
    this.maxSyncDelay = maxSyncDelay;
  }

  /** Loses everything, term and vote included: a replaced disk. */
  void wipe() {
    epoch++;
    durable.clear();
    unforced.clear();
    hardState = HardState.INITIAL;
    lost = LostEntries.NONE;
    beforeCut = List.of();
    commitSaved = 0;
    commitRecorded = 0;
  }

  /**
   * Cuts the durable log of a crashed node from {@code fromIndex} on, as a store opened with {@code
   * truncateCorruption} does at damage below its watermark: entries it acknowledged are gone, and
   * the store reports them lost (index: the old durable end; term: the stored term).
   *
   * @param snapshot the node's newest snapshot, or null: when the durable log holds its last entry,
   *     the entries cut up to it are the committed ones (log matching), and stay known to the
   *     checker as compacted ones do (the node may have committed and snapshotted them within one
   *     step of the checker)
   * @return how many entries were cut
   */
  int cutAtDamage(long fromIndex, io.reactiveraft.spi.SnapshotMeta snapshot) {
    if (!unforced.isEmpty() || fromIndex < firstHeld() || fromIndex > durable.size()) {
      throw new IllegalArgumentException(nodeId + ": no durable entry to cut at " + fromIndex);
    }
    if (snapshot != null
        && snapshot.index() >= fromIndex
        && snapshot.index() <= durable.size()
        && durable.get((int) snapshot.index() - 1).term() == snapshot.term()) {
      for (long i = fromIndex; i <= snapshot.index(); i++) {
        compacted.putIfAbsent(i, durable.get((int) i - 1));
      }
    }
    beforeCut = new ArrayList<>(durable); // may hold nulls
    lost = new LostEntries(Math.max(lost.index(), durable.size()), hardState.currentTerm());
    int cut = durable.size() - (int) fromIndex + 1;
    durable.subList((int) fromIndex - 1, durable.size()).clear();
    commitRecorded = Math.min(commitRecorded, fromIndex - 1);
    return cut;
  }

  /** The first index whose entry is held, not compacted (durable.size() + 1 when none is). */
  long firstHeld() {
    int first = 0;
    while (first < durable.size() && durable.get(first) == null) {
      first++;
    }
    return first + 1;
  }

  /**
   * Whether this node still lacks entries a cut took: its durable log neither reaches the lost
   * index nor ends with an entry of a term after the loss (the rule of {@link LostEntries}).
   */
  boolean missingLostEntries() {
    if (durable.size() >= lost.index()) {
      return false;
    }
    LogEntry last = durable.isEmpty() ? null : durable.get(durable.size() - 1);
    return last == null || last.term() <= lost.term();
  }

  /** A store view for one incarnation of the node. */
  LogStore open() {
    return new Store(epoch);
  }

  /**
   * The node crashed: writes not yet forced are lost, except a random prefix of them. Returns how
   * many writes were lost.
   */
  int crash() {
    epoch++;
    int kept = unforced.isEmpty() ? 0 : random.nextInt(unforced.size() + 1);
    for (int i = 0; i < kept; i++) {
      applyTo(durable, unforced.get(i));
    }
    int lost = unforced.size() - kept;
    unforced.clear();
    commitSaved = commitRecorded;
    return lost;
  }

  /**
   * The commit index the node's store reports at its next start: what was recorded with forced
   * writes, within the log the disk holds.
   */
  long recordedCommitIndex() {
    return Math.min(commitRecorded, currentLog().size());
  }

  HardState hardState() {
    return hardState;
  }

  /** The log as the node sees it now (durable plus unforced writes). */
  List<LogEntry> currentLog() {
    List<LogEntry> view = new ArrayList<>(durable);
    unforced.forEach(w -> applyTo(view, w));
    return view;
  }

  /**
   * Whether the entry the node now has at {@code index} is durable: a crash now could not lose or
   * change it. Cheap enough to ask for every acknowledgement.
   */
  boolean durablyHolds(long index) {
    if (index < 1 || durable.size() < index) {
      return false;
    }
    boolean held = true; // a null (compacted) entry is held by a durable snapshot
    for (Write w : unforced) {
      if (w.append != null && w.append.index() == index) {
        return false; // rewritten since, and the rewrite is not durable yet
      }
      if (w.append == null && w.discardUpTo == 0 && w.truncateFrom <= index) {
        held = false;
      }
    }
    return held;
  }

  /** The entry this node held at {@code index} before a snapshot let it go, or null. */
  LogEntry compactedEntry(long index) {
    return compacted.get(index);
  }

  /** The log as it would survive a crash that keeps no unforced write. */
  List<LogEntry> durableLog() {
    return java.util.Collections.unmodifiableList(new ArrayList<>(durable)); // may hold nulls
  }

  /**
   * What this node counts as holding for the durability checks: its durable log, and while it still
   * misses entries a cut took, those entries too. It had made them durable before it acknowledged
   * them; the cut is a failed disk, which the lost-entries rule answers for.
   */
  List<LogEntry> durableCountingLost() {
    if (!missingLostEntries()) {
      return durableLog();
    }
    List<LogEntry> held = new ArrayList<>(durable);
    for (int i = held.size(); i < beforeCut.size(); i++) {
      held.add(beforeCut.get(i));
    }
    return java.util.Collections.unmodifiableList(held);
  }

  private static void applyTo(List<LogEntry> log, Write w) {
    if (w.discardUpTo > 0) {
      for (int i = 0; i < Math.min(w.discardUpTo, log.size()); i++) {
        log.set(i, null);
      }
      while (log.size() < w.discardUpTo) {
        log.add(null); // an empty log that continues after the snapshot
      }
    } else if (w.append != null) {
      if (w.append.index() != log.size() + 1) {
        throw new IllegalStateException("append " + w.append + " after " + log.size());
      }
      log.add(w.append);
    } else if (w.truncateFrom <= log.size()) {
      log.subList((int) w.truncateFrom - 1, log.size()).clear();
    }
  }

  private void forceUpTo(long seq, long flushEpoch) {
    if (flushEpoch != epoch) {
      return; // the incarnation that asked crashed; its writes were already settled
    }
    while (!unforced.isEmpty() && unforced.get(0).seq < seq) {
      applyTo(durable, unforced.remove(0));
    }
    recordCommit();
  }

  /**
   * Records the saved commit index as far as the durable log holds what it covers, as the mapped
   * log does: not past a truncation still unforced (the durable log holds the entries it removes),
   * and not at all while a discarded prefix that empties the log is unforced (a snapshot replaced
   * that log, whose uncommitted entries of another term a crash would bring back).
   */
  private void recordCommit() {
    long agreed = durable.size();
    for (Write w : unforced) {
      if (w.emptiesLog) {
        return;
      }
      if (w.append == null) {
        agreed = Math.min(agreed, w.truncateFrom - 1);
      }
    }
    commitRecorded = Math.max(commitRecorded, Math.min(commitSaved, agreed));
  }

  private final class Store implements LogStore {
    private final long storeEpoch;
    private boolean closed;

    Store(long storeEpoch) {
      this.storeEpoch = storeEpoch;
    }

    @Override
    public HardState hardState() {
      return hardState;
    }

    @Override
    public void saveHardState(HardState state) {
      check();
      if (state.currentTerm() < hardState.currentTerm()) {
        // A checker's finding (invariant 6), not a crash of the harness: recorded as a violation,
        // then refused, which stops the node.
        String what = nodeId + " stored term " + state + " below " + hardState + ": term went back";
        onViolation.accept(what);
        throw new IllegalStateException(what);
      }
      hardState = state;
    }

    @Override
    public LostEntries lostEntries() {
      return lost;
    }

    @Override
    public long commitIndex() {
      return recordedCommitIndex();
    }

    @Override
    public void saveCommitIndex(long commitIndex) {
      if (closed || storeEpoch != epoch) {
        // The nemesis may crash a node from a callback inside its own batch, which then ends
        // with this call: a dead process records nothing.
        return;
      }
      commitSaved = Math.max(commitSaved, commitIndex);
    }

    @Override
    public long firstIndex() {
      List<LogEntry> log = currentLog();
      int first = 0;
      while (first < log.size() && log.get(first) == null) {
        first++;
      }
      return first + 1;
    }

    @Override
    public long lastIndex() {
      return currentLog().size();
    }

    @Override
    public List<LogEntry> entries(long from, long toInclusive) {
      if (from < firstIndex()) {
        throw new IndexOutOfBoundsException("entry " + from + " is compacted");
      }
      return List.copyOf(currentLog().subList((int) from - 1, (int) toInclusive));
    }

    @Override
    public void append(List<LogEntry> entries) {
      check();
      for (LogEntry e : entries) {
        unforced.add(new Write(nextSeq++, e, 0, 0, false));
      }
    }

    @Override
    public void discardPrefix(long upToIndex) {
      check();
      List<LogEntry> view = currentLog();
      for (int i = 0; i < Math.min(upToIndex, view.size()); i++) {
        if (view.get(i) != null) {
          compacted.putIfAbsent(i + 1L, view.get(i));
        }
      }
      if (upToIndex >= firstIndex()) {
        unforced.add(new Write(nextSeq++, null, 0, upToIndex, upToIndex >= view.size()));
      }
    }

    @Override
    public void truncateSuffix(long fromIndex) {
      check();
      if (fromIndex <= lastIndex()) {
        onTruncation.run();
      }
      unforced.add(new Write(nextSeq++, null, fromIndex, 0, false));
    }

    @Override
    public Mono<Void> flush() {
      long upTo = nextSeq;
      long delay = 1 + random.nextLong(Math.max(1, maxSyncDelay.toNanos()));
      if (failNextFlush) {
        failNextFlush = false;
        return Mono.delay(Duration.ofNanos(delay), scheduler)
            .then(
                Mono.defer(
                    () -> {
                      failedEpoch = storeEpoch;
                      return Mono.error(new InjectedFsyncFailure(nodeId));
                    }));
      }
      return Mono.delay(Duration.ofNanos(delay), scheduler)
          .then(
              Mono.defer(
                  () -> {
                    if (failedEpoch != storeEpoch) {
                      forceUpTo(upTo, storeEpoch);
                    }
                    return Mono.empty();
                  }));
    }

    @Override
    public void close() {
      closed = true;
    }

    private void check() {
      if (closed || storeEpoch != epoch) {
        throw new IllegalStateException(nodeId + ": store of a crashed incarnation");
      }
    }
  }
}
