package io.reactiveraft.core;

import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The core's view of the log after a compaction point. Indexes start at 1; index 0 is the empty
 * prefix, whose term is 0. Not thread-safe: owned by the event loop.
 *
 * <p>Memory: the term of every index is known (kept as runs, one per term, so a long log costs
 * nothing per entry), and so are the indexes of configuration entries; the entries themselves are
 * held only for a recent window of {@code held} entries. Older ones are read back through the
 * {@link Reader}, the log store, when a lagging follower or a slow applier needs them. An entry
 * leaves the window only once it has been handed to the store ({@link #stored}), so the reader
 * always has what the window gave up. Why: a node without snapshots used to keep its whole log on
 * the heap, and at high rates every entry survived into the old generation, which made the garbage
 * collector copy the log over and over (young pauses of about 100 ms in the benchmark).
 */
public final class RaftLog {

  /** Reads entries the log store holds. */
  @FunctionalInterface
  public interface Reader {

    /** Entries {@code [from, toInclusive]}, which the store holds. */
    List<LogEntry> read(long from, long toInclusive);
  }

  private static final Reader NO_READER =
      (from, to) -> {
        throw new IllegalStateException(
            "entries " + from + ".." + to + " left memory and this log has no reader");
      };

  private final Reader reader;
  private final int held;

  /**
   * The entries from {@link #windowStart} to the last, in order; the window always reaches the end
   * of the log (empty when the log is, or just after a compaction or truncation), so the last index
   * is {@code windowStart + window.size() - 1}.
   */
  private final ArrayList<LogEntry> window = new ArrayList<>();

  private long windowStart;

  /** Term runs: {@code runStarts[i]} is the first index of term {@code runTerms[i]}. */
  private long[] runStarts = new long[4];

  private long[] runTerms = new long[4];
  private int runs;

  /** Indexes of configuration entries, ascending. */
  private long[] configurations = new long[4];

  private int configurationCount;

  /** The index just before the first entry (the compaction point). */
  private long offset;

  private long offsetTerm;

  /** The last index handed to the store; entries after it never leave the window. */
  private long storedUpTo;

  /** An empty log that holds every entry in memory. */
  public RaftLog() {
    this(0, 0, List.of());
  }

  /**
   * A log that holds every entry in memory and continues after {@code offset} (whose entry had
   * {@code offsetTerm}) with the given entries.
   */
  public RaftLog(long offset, long offsetTerm, List<LogEntry> entries) {
    this(offset, offsetTerm, NO_READER, Integer.MAX_VALUE);
    entries.forEach(this::append);
  }

  /**
   * An empty log after {@code offset} that keeps at most about {@code held} entries in memory
   * (never fewer) and reads older ones through {@code reader}.
   */
  public RaftLog(long offset, long offsetTerm, Reader reader, int held) {
    if (held < 1) {
      throw new IllegalArgumentException("held must be >= 1, was " + held);
    }
    this.offset = offset;
    this.offsetTerm = offsetTerm;
    this.windowStart = offset + 1;
    this.storedUpTo = offset;
    this.reader = reader;
    this.held = held;
  }

  public long firstIndex() {
    return offset + 1;
  }

  public long lastIndex() {
    return windowStart + window.size() - 1;
  }

  public long lastTerm() {
    return runs == 0 ? offsetTerm : runTerms[runs - 1];
  }

  /**
   * The term of the entry at {@code index}: 0 for index 0, the compaction point's term at the
   * offset, and -1 when the index is beyond the log or compacted away.
   */
  public long term(long index) {
    if (index == offset) {
      return offsetTerm;
    }
    if (index < offset || index > lastIndex()) {
      return -1;
    }
    return runTerms[runOf(index)];
  }

  /** Whether the log holds an entry at {@code index} with {@code term}. */
  public boolean matches(long index, long term) {
    return term(index) == term;
  }

  public LogEntry entry(long index) {
    if (index <= offset || index > lastIndex()) {
      throw new IndexOutOfBoundsException("no entry " + index + " in " + this);
    }
    if (index >= windowStart) {
      return window.get((int) (index - windowStart));
    }
    return reader.read(index, index).get(0);
  }

  /**
   * Entries from {@code from}, at most {@code maxCount}, stopping before the byte cap is passed
   * (but always at least one entry when there is one).
   */
  public List<LogEntry> slice(long from, int maxCount, int maxBytes) {
    long to = Math.min(lastIndex(), from + maxCount - 1);
    if (to < from) {
      return List.of();
    }
    List<LogEntry> candidates = range(from, to);
    int bytes = 0;
    for (int i = 0; i < candidates.size(); i++) {
      bytes += candidates.get(i).sizeInBytes();
      if (i > 0 && bytes > maxBytes) {
        return candidates.subList(0, i);
      }
    }
    return candidates;
  }

  /** Entries {@code [from, toInclusive]}. */
  public List<LogEntry> range(long from, long toInclusive) {
    if (from <= offset || toInclusive > lastIndex()) {
      throw new IndexOutOfBoundsException(
          "no entries " + from + ".." + toInclusive + " in " + this);
    }
    if (toInclusive < from) {
      return List.of();
    }
    if (from >= windowStart) {
      return List.copyOf(
          window.subList((int) (from - windowStart), (int) (toInclusive - windowStart + 1)));
    }
    List<LogEntry> out = new ArrayList<>((int) (toInclusive - from + 1));
    out.addAll(reader.read(from, Math.min(toInclusive, windowStart - 1)));
    if (toInclusive >= windowStart) {
      out.addAll(window.subList(0, (int) (toInclusive - windowStart + 1)));
    }
    return List.copyOf(out);
  }

  /** Appends an entry that must continue the log exactly. */
  public void append(LogEntry entry) {
    if (entry.index() != lastIndex() + 1) {
      throw new IllegalArgumentException(
          "entry " + entry.index() + " does not continue the log ending at " + lastIndex());
    }
    if (entry.term() < lastTerm()) {
      throw new IllegalArgumentException(
          "entry " + entry + " has a lower term than the log's last " + lastTerm());
    }
    if (runs == 0 || entry.term() != runTerms[runs - 1]) {
      if (runs == runStarts.length) {
        runStarts = Arrays.copyOf(runStarts, runs * 2);
        runTerms = Arrays.copyOf(runTerms, runs * 2);
      }
      runStarts[runs] = entry.index();
      runTerms[runs] = entry.term();
      runs++;
    }
    if (entry.type() == EntryType.CONFIGURATION) {
      if (configurationCount == configurations.length) {
        configurations = Arrays.copyOf(configurations, configurationCount * 2);
      }
      configurations[configurationCount++] = entry.index();
    }
    window.add(entry);
  }

  /**
   * Entries up to {@code index} are in the log store: they may leave memory once the window is
   * full.
   */
  public void stored(long index) {
    storedUpTo = Math.max(storedUpTo, Math.min(index, lastIndex()));
    trimWindow();
  }

  /** Removes every entry at or after {@code index}. */
  public void truncateFrom(long index) {
    if (index <= offset) {
      throw new IllegalArgumentException("cannot truncate compacted index " + index);
    }
    if (index > lastIndex()) {
      return;
    }
    if (index >= windowStart) {
      window.subList((int) (index - windowStart), window.size()).clear();
    } else {
      window.clear();
      windowStart = index;
    }
    while (runs > 0 && runStarts[runs - 1] >= index) {
      runs--;
    }
    while (configurationCount > 0 && configurations[configurationCount - 1] >= index) {
      configurationCount--;
    }
    storedUpTo = Math.min(storedUpTo, lastIndex());
  }

  /**
   * Drops every entry at or before {@code index}, which a snapshot of term {@code indexTerm}
   * covers; entries after it stay. When the log does not reach {@code index}, or holds another term
   * there, every entry goes: what follows a mismatch cannot continue the snapshot (log matching).
   */
  public void compactTo(long index, long indexTerm) {
    if (index <= offset) {
      return;
    }
    if (index <= lastIndex() && term(index) == indexTerm) {
      if (index >= windowStart) {
        window.subList(0, (int) (index - windowStart + 1)).clear();
        windowStart = index + 1;
      }
      int firstKept = index < lastIndex() ? runOf(index + 1) : runs;
      long keptStart = index + 1;
      runs = keepTail(runStarts, runTerms, runs, firstKept);
      if (runs > 0) {
        runStarts[0] = keptStart;
      }
      int c = 0;
      while (c < configurationCount && configurations[c] <= index) {
        c++;
      }
      System.arraycopy(configurations, c, configurations, 0, configurationCount - c);
      configurationCount -= c;
    } else {
      window.clear();
      windowStart = index + 1;
      runs = 0;
      configurationCount = 0;
    }
    offset = index;
    offsetTerm = indexTerm;
    storedUpTo = Math.max(storedUpTo, offset);
  }

  /** The index of the last configuration entry in the log, or 0 when it holds none. */
  public long lastConfigurationIndex() {
    return configurationCount == 0 ? 0 : configurations[configurationCount - 1];
  }

  /**
   * Raft's "at least as up-to-date" (paper section 5.4.1): a later last term wins; with equal last
   * terms, the longer log wins.
   */
  public boolean isUpToDate(long otherLastIndex, long otherLastTerm) {
    return otherLastTerm > lastTerm()
        || (otherLastTerm == lastTerm() && otherLastIndex >= lastIndex());
  }

  /** The first index holding {@code term}, searching back from {@code from}. */
  public long firstIndexOfTerm(long term, long from) {
    long before = from - 1;
    if (before <= offset || before > lastIndex() || term(before) != term) {
      return from;
    }
    return Math.max(runStarts[runOf(before)], offset + 1);
  }

  /** The last index holding {@code term} at or below {@code from}, or 0 when there is none. */
  public long lastIndexOfTerm(long term, long from) {
    long top = Math.min(from, lastIndex());
    if (top <= offset) {
      return 0;
    }
    int topRun = runOf(top);
    for (int r = topRun; r >= 0; r--) {
      if (runTerms[r] == term) {
        return r == topRun ? top : runStarts[r + 1] - 1;
      }
      if (runTerms[r] < term) {
        return 0;
      }
    }
    return 0;
  }

  /** How many of the latest entries this log keeps in memory ({@code Integer.MAX_VALUE}: all). */
  int held() {
    return held;
  }

  /** How many entries are in memory now. */
  int entriesInMemory() {
    return window.size();
  }

  @Override
  public String toString() {
    return "RaftLog[" + firstIndex() + ".." + lastIndex() + "@" + lastTerm() + "]";
  }

  /** The run that holds {@code index}, which lies in the log after the offset. */
  private int runOf(long index) {
    int lo = 0;
    int hi = runs - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (runStarts[mid] <= index) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private static int keepTail(long[] starts, long[] terms, int count, int from) {
    System.arraycopy(starts, from, starts, 0, count - from);
    System.arraycopy(terms, from, terms, 0, count - from);
    return count - from;
  }

  /**
   * Lets stored entries leave once the window holds half again as many as it keeps, in one cut, so
   * that the cost is amortised.
   */
  private void trimWindow() {
    if (held == Integer.MAX_VALUE || window.size() <= held + held / 2) {
      return;
    }
    long cutTo = Math.min(lastIndex() - held, storedUpTo); // the last index that leaves
    if (cutTo < windowStart) {
      return;
    }
    window.subList(0, (int) (cutTo - windowStart + 1)).clear();
    windowStart = cutTo + 1;
  }
}
