package io.reactiveraft.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Crashes at every persistence point, at page level. A store runs random appends, truncations,
 * discarded prefixes, flushes, commit indexes and term/vote saves on a {@link PageCacheDirectory}
 * (as Raft would: no truncation at or below the commit index); the machine stops at a random
 * mutating call (half the time just after an acknowledgement); a reboot keeps the durable pages
 * plus a random subset of the dirty ones (holes included) and a random prefix of the unsynced
 * directory changes; sometimes the recovery itself is cut short by a second crash. The reopened
 * store must hold:
 *
 * <ul>
 *   <li>every entry acknowledged by a completed flush, unless a later truncation removed it or a
 *       discarded prefix holds it;
 *   <li>the log start recorded by that flush or a later one;
 *   <li>a log that is a prefix of some state the log had since that flush: no half-applied
 *       truncation, no old-term record reappearing past a truncation, no invented record;
 *   <li>the last saved term and vote (or the one being saved at the crash);
 *   <li>a commit index within the recovered log, every entry up to it the one that was committed
 *       there (none of the entries a snapshot's discarded prefix replaced while the log was emptied
 *       past its end, which a crash may bring back).
 * </ul>
 *
 * Each seed lives three lives: what one recovery returns must itself survive the next crash, which
 * exercises the repairs recovery makes (clearing leftovers, forcing what it keeps).
 *
 * <p>Run one seed with {@code -Dlog.crash.seed=N}, or more seeds with {@code -Dlog.crash.seeds=N}.
 */
class LogCrashRecoveryTest {

  private static final int SEEDS = 500;
  private static final int LIVES = 3;
  private static final int STEPS = 40;
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void acknowledgedEntriesSurviveCrashesAtAnyPersistencePoint() {
    Long only = Long.getLong("log.crash.seed");
    long from = only == null ? 1 : only;
    long to = only == null ? Long.getLong("log.crash.seeds", SEEDS) : only;
    for (long seed = from; seed <= to; seed++) {
      try {
        checkSeed(seed);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            "seed "
                + seed
                + " failed; replay: mvn -o test -pl raft-reactor -Dtest=LogCrashRecoveryTest"
                + " -Dlog.crash.seed="
                + seed,
            e);
      }
    }
  }

  private static void checkSeed(long seed) {
    SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    MappedLogOptions options =
        MappedLogOptions.builder()
            .segmentSize(PageCacheDirectory.PAGE * (2 + random.nextInt(3)))
            .cacheSize(random.nextInt(4))
            .build();
    PageCacheDirectory disk = new PageCacheDirectory();
    History history = new History(1, List.of());
    HardState[] allowedHardStates = {HardState.INITIAL, HardState.INITIAL};
    for (int life = 0; life < LIVES; life++) {
      long lifeSeed = seed * 31 + life;
      // A dry run on a copy counts the mutating calls, so that the crash point is about uniform
      // over the run. Every step waits for the IO thread, so the runs make the same calls, except
      // the watermark the writer records after idling for a millisecond, which depends on timing:
      // the count, and so where a crash lands, may shift by a call or two from run to run. What
      // is checked after the crash does not depend on where it lands.
      Scenario dry = new Scenario(lifeSeed, disk.afterProcessKill(), options);
      dry.expect(history, allowedHardStates);
      dry.run(Long.MAX_VALUE);
      long crashAt = 1 + random.nextLong(dry.operations + 1);
      if (random.nextBoolean() && !dry.acknowledgedAt.isEmpty()) {
        // Just after an acknowledgement, what is durable and what is not sit side by side.
        crashAt =
            dry.acknowledgedAt.get(random.nextInt(dry.acknowledgedAt.size()))
                + 1
                + random.nextInt(8);
      }

      Scenario scenario = new Scenario(lifeSeed, disk.afterProcessKill(), options);
      scenario.expect(history, allowedHardStates);
      scenario.run(crashAt);
      history = scenario.history;
      allowedHardStates = new HardState[] {scenario.savedHardState, scenario.savingHardState};
      // A power loss, or only the process killed (its dirty pages stay in the OS page cache and
      // can still be lost by a power loss in a later life).
      disk =
          random.nextBoolean() ? scenario.dir.crashImage(random) : scenario.dir.afterProcessKill();

      if (random.nextInt(3) == 0) {
        // The recovery itself loses power part way.
        PageCacheDirectory recovering = disk.afterProcessKill();
        recovering.crashAfter(1 + random.nextInt(12));
        try {
          MappedLogStore.open(recovering, options, "recovering").close();
        } catch (RuntimeException e) {
          if (!recovering.crashed()) {
            throw e; // a failure of recovery itself, not the power lost part way
          }
        }
        disk = recovering.crashImage(random);
      }
    }
    // The last one must hold up too, even if the power fails before anything else happens.
    Scenario last = new Scenario(seed, disk.crashImage(random), options);
    last.expect(history, allowedHardStates);
    last.run(0);
  }

  /** One life: open (recover and check), then random operations until the machine stops. */
  private static final class Scenario {
    final PageCacheDirectory dir;
    final SplittableRandom random;
    final MappedLogOptions options;
    History history;
    HardState savedHardState;
    HardState savingHardState;
    long operations;

    /** The mutating calls made when each flush completed. */
    final List<Long> acknowledgedAt = new ArrayList<>();

    private History expected;
    private HardState[] expectedHardStates;
    private long start;
    private long term;

    /** Payload sizes of the last truncated entries, by index. */
    private final Map<Long, Integer> truncatedSizes = new HashMap<>();

    Scenario(long seed, PageCacheDirectory dir, MappedLogOptions options) {
      this.random = new SplittableRandom(seed);
      this.dir = dir;
      this.options = options;
    }

    /** What the recovered store must satisfy. */
    void expect(History history, HardState[] hardStates) {
      this.expected = history;
      this.expectedHardStates = hardStates;
    }

    void run(long crashAt) {
      MappedLogStore store = MappedLogStore.open(dir, options, "crash");
      start = dir.operations();
      try {
        long first = store.firstIndex();
        List<LogEntry> recovered = store.entries(first, store.lastIndex());
        if (expected != null) {
          expected.check(first, recovered);
          expected.checkCommitIndex(store.commitIndex(), store.lastIndex(), first, recovered);
          assertThat(store.hardState()).isIn((Object[]) expectedHardStates);
        }
        // Opening makes what it recovered durable: from here on it counts as acknowledged.
        history = new History(first, recovered);
        if (expected != null) {
          history.keepCommitted(expected, first, recovered);
        }
        savedHardState = store.hardState();
        savingHardState = savedHardState;
        term = recovered.isEmpty() ? 1 : recovered.get(recovered.size() - 1).term();
        if (expected != null) {
          // New records the size of those the crash lost land exactly on any leftovers of them.
          for (LogEntry e : expected.last()) {
            if (e != null && e.index() > store.lastIndex()) {
              truncatedSizes.put(e.index(), e.payload().length);
            }
          }
        }
        dir.crashAfter(crashAt);
        for (int step = 0; step < STEPS && !dir.crashed(); step++) {
          step(store);
        }
      } catch (RuntimeException e) {
        if (!dir.crashed()) {
          throw e;
        }
      } finally {
        operations = dir.operations() - start;
        store.close();
      }
    }

    private void step(MappedLogStore store) {
      int dice = random.nextInt(100);
      if (dice < 45) {
        if (random.nextInt(10) == 0) {
          term++;
        }
        List<LogEntry> batch = new ArrayList<>();
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
          long index = store.lastIndex() + 1 + i;
          batch.add(new LogEntry(index, term, EntryType.COMMAND, payload(index)));
        }
        store.append(batch);
        history.appended(batch);
        store.written().block(WAIT);
      } else if (dice < 60) {
        if (store.lastIndex() < store.firstIndex()) {
          return;
        }
        long from =
            Math.max(
                Math.max(store.firstIndex(), history.committed + 1),
                store.lastIndex() - random.nextInt(7));
        if (from > store.lastIndex()) {
          return; // Raft never truncates what it committed
        }
        // Next appends mostly reuse the sizes of what goes, so new records land exactly where
        // old ones began: the case where a leftover old record would line up and read back.
        truncatedSizes.clear();
        for (LogEntry e : store.entries(from, store.lastIndex())) {
          truncatedSizes.put(e.index(), e.payload().length);
        }
        // A new leader's entries may carry a lower term than the ones they replace (its log can
        // hold entries of an older term), so term order alone cannot expose a leftover record.
        long keptTerm =
            from > store.firstIndex() ? store.entries(from - 1, from - 1).get(0).term() : 1;
        term = keptTerm + random.nextInt(3);
        store.truncateSuffix(from);
        history.truncated(from);
        store.written().block(WAIT);
      } else if (dice < 65) {
        // A snapshot covers a prefix: mostly inside the log, sometimes all of it and beyond (the
        // log then continues past it), sometimes below its start (nothing happens).
        long first = store.firstIndex();
        long upTo = first - 2 + random.nextInt((int) (store.lastIndex() - first) + 5);
        long lastBefore = store.lastIndex();
        store.discardPrefix(upTo);
        history.discarded(upTo);
        store.written().block(WAIT);
        if (upTo > history.committed) {
          // A snapshot commits what it covers (a follower installing one learns its commit index).
          // Where it empties the log past its end, what the log held was another history: not
          // committed (Raft discards a log that does not hold the snapshot's last entry).
          history.committed(upTo, upTo < lastBefore ? upTo : history.committed);
          store.saveCommitIndex(upTo);
        }
      } else if (dice < 70) {
        // A commit index, possibly past what is forced: a leader commits on its followers' copies.
        if (store.lastIndex() > history.committed) {
          long commit =
              history.committed + 1 + random.nextInt((int) (store.lastIndex() - history.committed));
          history.committed(commit, store.lastIndex());
          store.saveCommitIndex(commit);
        }
      } else if (dice < 88) {
        int state = history.current();
        store.flush().block(WAIT);
        history.acknowledged(state);
        acknowledgedAt.add(dir.operations() - start);
      } else {
        HardState next =
            new HardState(savedHardState.currentTerm() + 1, random.nextBoolean() ? "n1" : null);
        savingHardState = next;
        store.saveHardState(next);
        savedHardState = next;
      }
    }

    private byte[] payload(long index) {
      int size;
      if (truncatedSizes.containsKey(index) && random.nextInt(4) != 0) {
        size = truncatedSizes.get(index);
      } else {
        size = random.nextInt(5) == 0 ? 300 + random.nextInt(2700) : random.nextInt(300);
      }
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);
      return bytes;
    }
  }

  /**
   * Every state the log went through, and which of them a completed flush acknowledged. A state
   * lists the entries from index 1 (null where the log never held one: it continued past a
   * discarded prefix), and the index where the log starts; a discarded prefix keeps its entries,
   * because a restart before the next flush may find them again.
   */
  private static final class History {
    private record State(long start, List<LogEntry> entries) {}

    private final List<State> states = new ArrayList<>();
    private int acknowledged;

    /** The highest index committed so far, as saved to the store. */
    long committed;

    /**
     * The entry committed at each index up to {@link #committed}; absent where a snapshot covered
     * the index while the log did not reach it (what the log held there was never committed).
     */
    private final Map<Long, LogEntry> committedEntries = new HashMap<>();

    /** A history starting from a durable log that starts at {@code start}. */
    History(long start, List<LogEntry> durable) {
      List<LogEntry> entries = new ArrayList<>();
      pad(entries, start - 1);
      entries.addAll(durable);
      states.add(new State(start, entries));
    }

    int current() {
      return states.size() - 1;
    }

    List<LogEntry> last() {
      return states.get(current()).entries();
    }

    void appended(List<LogEntry> batch) {
      State last = states.get(current());
      List<LogEntry> next = new ArrayList<>(last.entries());
      next.addAll(batch);
      states.add(new State(last.start(), next));
    }

    void truncated(long fromIndex) {
      State last = states.get(current());
      List<LogEntry> kept = last.entries();
      states.add(
          new State(
              last.start(),
              new ArrayList<>(kept.subList(0, (int) Math.min(kept.size(), fromIndex - 1)))));
    }

    void discarded(long upToIndex) {
      State last = states.get(current());
      if (upToIndex < last.start()) {
        return;
      }
      List<LogEntry> next = new ArrayList<>(last.entries());
      pad(next, upToIndex);
      states.add(new State(upToIndex + 1, next));
    }

    /**
     * Entries up to {@code index} are committed; those the log holds up to {@code heldUpTo} are the
     * ones committed there.
     */
    void committed(long index, long heldUpTo) {
      List<LogEntry> entries = last();
      for (long i = committed + 1; i <= Math.min(index, heldUpTo); i++) {
        LogEntry e = i <= entries.size() ? entries.get((int) i - 1) : null;
        if (e != null) {
          committedEntries.put(i, e);
        }
      }
      committed = index;
    }

    /**
     * Carries the committed entries of the life before over, as far as the recovered log holds
     * them. Committed entries lost from an unforced tail come back from the leader in Raft, but
     * here the next life writes new ones in their place; and where a crash undid a snapshot's
     * discarded prefix, the log holds again what the snapshot replaced, which Raft would discard at
     * the start (the snapshot does not continue it) and this test treats as never committed.
     */
    void keepCommitted(History before, long recoveredStart, List<LogEntry> recovered) {
      long held = recoveredStart - 1;
      while (held < before.committed
          && held - recoveredStart + 1 < recovered.size()
          && recovered
              .get((int) (held - recoveredStart + 1))
              .equals(before.committedEntries.get(held + 1))) {
        held++;
      }
      committed = Math.max(held, Math.min(before.committed, recoveredStart - 1));
      before.committedEntries.forEach(
          (index, entry) -> {
            if (index <= committed) {
              committedEntries.put(index, entry);
            }
          });
    }

    /** The recovered commit index names only committed entries, all of them held. */
    void checkCommitIndex(
        long commitIndex, long lastIndex, long recoveredStart, List<LogEntry> recovered) {
      assertThat(commitIndex)
          .as("recovered commit index within the recovered log")
          .isLessThanOrEqualTo(lastIndex)
          .isLessThanOrEqualTo(committed);
      for (long i = recoveredStart; i <= commitIndex; i++) {
        assertThat(recovered.get((int) (i - recoveredStart)))
            .as("entry %d under the recovered commit index %d", i, commitIndex)
            .isEqualTo(committedEntries.get(i));
      }
    }

    void acknowledged(int state) {
      acknowledged = Math.max(acknowledged, state);
    }

    void check(long recoveredStart, List<LogEntry> recovered) {
      State acked = states.get(acknowledged);
      List<LogEntry> ackedEntries = acked.entries();
      long recoveredLast = recoveredStart - 1 + recovered.size();
      int floor = ackedEntries.size();
      boolean prefixOfSomeState = false;
      boolean startOfSomeState = false;
      for (int j = acknowledged; j < states.size(); j++) {
        State s = states.get(j);
        floor = Math.min(floor, commonPrefix(ackedEntries, s.entries()));
        startOfSomeState |= s.start() == recoveredStart;
        prefixOfSomeState |=
            recoveredLast <= s.entries().size()
                && recovered.equals(
                    s.entries().subList((int) recoveredStart - 1, (int) recoveredLast));
      }
      assertThat(startOfSomeState)
          .as(
              "recovered log start %d is the start at or after the last acknowledgement (%d)",
              recoveredStart, acked.start())
          .isTrue();
      assertThat(recoveredLast)
          .as(
              "entries acknowledged durable and never truncated: %s",
              ackedEntries.subList(0, floor))
          .isGreaterThanOrEqualTo(floor);
      assertThat(prefixOfSomeState)
          .as("recovered log %s is a prefix of a state since the last acknowledgement", recovered)
          .isTrue();
    }

    private static void pad(List<LogEntry> entries, long upToIndex) {
      while (entries.size() < upToIndex) {
        entries.add(null);
      }
    }

    private static int commonPrefix(List<LogEntry> a, List<LogEntry> b) {
      int n = 0;
      while (n < a.size() && n < b.size() && Objects.equals(a.get(n), b.get(n))) {
        n++;
      }
      return n;
    }
  }
}
