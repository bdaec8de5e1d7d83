package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The windowed log against one that holds every entry: the same random appends, truncations,
 * compactions and stores, and every query answered alike, while the window stays bounded and the
 * store is asked only for entries it holds.
 */
class RaftLogTest {

  /** The log store as the core sees it: what was handed over, minus what was truncated. */
  private static final class Store {
    final TreeMap<Long, LogEntry> entries = new TreeMap<>();
    int reads;

    List<LogEntry> read(long from, long to) {
      reads++;
      List<LogEntry> out = new ArrayList<>();
      for (long i = from; i <= to; i++) {
        LogEntry e = entries.get(i);
        if (e == null) {
          throw new AssertionError("the store was asked for " + i + ", which it does not hold");
        }
        out.add(e);
      }
      return out;
    }
  }

  @Test
  void aWindowedLogAnswersLikeAFullOneUnderRandomOperations() {
    for (long seed = 0; seed < 200; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      Store store = new Store();
      int held = 1 + random.nextInt(6);
      RaftLog windowed = new RaftLog(0, 0, store::read, held);
      RaftLog full = new RaftLog();
      long term = 1;
      for (int step = 0; step < 300; step++) {
        int op = random.nextInt(20);
        if (op < 14) {
          if (random.nextInt(8) == 0) {
            term++;
          }
          long index = full.lastIndex() + 1;
          EntryType type = random.nextInt(6) == 0 ? EntryType.CONFIGURATION : EntryType.COMMAND;
          LogEntry e = new LogEntry(index, term, type, new byte[] {(byte) index});
          windowed.append(e);
          full.append(e);
        } else if (op < 16 && full.lastIndex() >= full.firstIndex()) {
          long from =
              full.firstIndex()
                  + random.nextInt((int) (full.lastIndex() - (full.firstIndex() - 1)));
          windowed.truncateFrom(from);
          full.truncateFrom(from);
          store.entries.tailMap(from, true).clear();
          term++;
        } else if (op < 17 && full.lastIndex() > (full.firstIndex() - 1)) {
          long to =
              (full.firstIndex() - 1)
                  + 1
                  + random.nextInt((int) (full.lastIndex() - (full.firstIndex() - 1)));
          boolean match = random.nextBoolean();
          long toTerm = match ? full.term(to) : full.term(to) + 1;
          windowed.compactTo(to, toTerm);
          full.compactTo(to, toTerm);
          if (!match) {
            store.entries.clear();
          }
          term = Math.max(term, toTerm);
        } else {
          // The batch ends: everything appended is in the store.
          for (long i = full.firstIndex(); i <= full.lastIndex(); i++) {
            store.entries.put(i, full.entry(i));
          }
          windowed.stored(windowed.lastIndex());
          assertThat(windowed.entriesInMemory()).isLessThanOrEqualTo(held + held / 2 + 1);
        }
        assertSameAnswers(windowed, full, "seed " + seed + " step " + step);
      }
    }
  }

  @Test
  void aLongLogKeepsOnlyItsWindowInMemoryAndReadsTheRestFromTheStore() {
    Store store = new Store();
    RaftLog log = new RaftLog(0, 0, store::read, 100);
    for (long i = 1; i <= 10_000; i++) {
      LogEntry e = new LogEntry(i, 1 + i / 1000, EntryType.COMMAND, new byte[16]);
      log.append(e);
      store.entries.put(i, e);
      if (i % 64 == 0) {
        log.stored(i);
      }
    }
    log.stored(log.lastIndex());
    assertThat(log.entriesInMemory()).isBetween(100, 150);
    assertThat(log.term(5_500)).isEqualTo(6);
    assertThat(store.reads).isZero(); // terms never need the store
    assertThat(log.range(9_990, 10_000)).hasSize(11);
    assertThat(store.reads).isZero();
    assertThat(log.range(4_000, 4_009)).extracting(LogEntry::index).startsWith(4_000L);
    assertThat(store.reads).isEqualTo(1);
  }

  @Test
  void entriesNotYetStoredNeverLeaveMemory() {
    Store store = new Store(); // nothing handed over
    RaftLog log = new RaftLog(0, 0, store::read, 2);
    for (long i = 1; i <= 50; i++) {
      log.append(new LogEntry(i, 1, EntryType.COMMAND, new byte[1]));
    }
    log.stored(10);
    assertThat(log.entriesInMemory()).isEqualTo(40);
    assertThat(log.range(11, 50)).hasSize(40);
    assertThat(store.reads).isZero();
  }

  @Test
  void aLogWithoutAReaderHoldsEverything() {
    RaftLog log = new RaftLog();
    for (long i = 1; i <= 20_000; i++) {
      log.append(new LogEntry(i, 1, EntryType.COMMAND, new byte[1]));
    }
    log.stored(log.lastIndex());
    assertThat(log.entry(1).index()).isEqualTo(1);
    assertThatThrownBy(() -> new RaftLog(0, 0, (f, t) -> List.of(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static void assertSameAnswers(RaftLog windowed, RaftLog full, String where) {
    assertThat(windowed.firstIndex()).as(where).isEqualTo(full.firstIndex());
    assertThat(windowed.lastIndex()).as(where).isEqualTo(full.lastIndex());
    assertThat(windowed.lastTerm()).as(where).isEqualTo(full.lastTerm());
    if (full.lastIndex() >= full.firstIndex()) {
      assertThat(windowed.lastTerm()).as(where).isEqualTo(full.entry(full.lastIndex()).term());
    }
    long lastConfiguration = 0;
    for (long i = (full.firstIndex() - 1) - 1; i <= full.lastIndex() + 1; i++) {
      assertThat(windowed.term(i)).as(where + " term(" + i + ")").isEqualTo(full.term(i));
      if (i > (full.firstIndex() - 1) && i <= full.lastIndex()) {
        assertThat(windowed.entry(i)).as(where).isEqualTo(full.entry(i));
        // Against the entries themselves, not the term runs both logs share.
        assertThat(windowed.term(i)).as(where).isEqualTo(full.entry(i).term());
        if (full.entry(i).type() == EntryType.CONFIGURATION) {
          lastConfiguration = i;
        }
        for (long t = full.term(i) - 1; t <= full.term(i) + 1; t++) {
          assertThat(windowed.firstIndexOfTerm(t, i))
              .as(where + " firstIndexOfTerm(" + t + ", " + i + ")")
              .isEqualTo(naiveFirstIndexOfTerm(full, t, i));
          assertThat(windowed.lastIndexOfTerm(t, i))
              .as(where + " lastIndexOfTerm(" + t + ", " + i + ")")
              .isEqualTo(naiveLastIndexOfTerm(full, t, i));
        }
      }
    }
    assertThat(windowed.lastConfigurationIndex()).as(where).isEqualTo(lastConfiguration);
    if (full.lastIndex() > (full.firstIndex() - 1)) {
      assertThat(windowed.range(full.firstIndex(), full.lastIndex()))
          .as(where)
          .isEqualTo(full.range(full.firstIndex(), full.lastIndex()));
      assertThat(windowed.slice(full.firstIndex(), 3, 40))
          .as(where)
          .isEqualTo(full.slice(full.firstIndex(), 3, 40));
    }
  }

  private static long naiveFirstIndexOfTerm(RaftLog log, long term, long from) {
    long i = from;
    while (i - 1 > (log.firstIndex() - 1) && log.entry(i - 1).term() == term) {
      i--;
    }
    return i;
  }

  private static long naiveLastIndexOfTerm(RaftLog log, long term, long from) {
    for (long i = Math.min(from, log.lastIndex()); i > (log.firstIndex() - 1); i--) {
      long t = log.entry(i).term();
      if (t == term) {
        return i;
      }
      if (t < term) {
        return 0;
      }
    }
    return 0;
  }
}
