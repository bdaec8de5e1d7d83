package io.reactiveraft.core;

import io.reactiveraft.message.LogEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * The core's view of the log: entries held in memory after a compaction point. Indexes start at 1;
 * index 0 is the empty prefix, whose term is 0. Not thread-safe: owned by the event loop.
 */
public final class RaftLog {

  private final ArrayList<LogEntry> entries = new ArrayList<>();

  /** The index just before the first held entry (the compaction point). */
  private long offset;

  private long offsetTerm;

  /** An empty log. */
  public RaftLog() {
    this(0, 0, List.of());
  }

  /**
   * A log that continues after {@code offset} (whose entry had {@code offsetTerm}) with the given
   * entries.
   */
  public RaftLog(long offset, long offsetTerm, List<LogEntry> held) {
    this.offset = offset;
    this.offsetTerm = offsetTerm;
    for (LogEntry e : held) {
      append(e);
    }
  }

  public long firstIndex() {
    return offset + 1;
  }

  public long lastIndex() {
    return offset + entries.size();
  }

  public long lastTerm() {
    return entries.isEmpty() ? offsetTerm : entries.get(entries.size() - 1).term();
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
    return entries.get((int) (index - offset - 1)).term();
  }

  /** Whether the log holds an entry at {@code index} with {@code term}. */
  public boolean matches(long index, long term) {
    return term(index) == term;
  }

  public LogEntry entry(long index) {
    if (index <= offset || index > lastIndex()) {
      throw new IndexOutOfBoundsException("no entry " + index + " in " + this);
    }
    return entries.get((int) (index - offset - 1));
  }

  /**
   * Entries from {@code from}, at most {@code maxCount}, stopping before the byte cap is passed
   * (but always at least one entry when there is one).
   */
  public List<LogEntry> slice(long from, int maxCount, int maxBytes) {
    long last = Math.min(lastIndex(), from + maxCount - 1);
    List<LogEntry> out = new ArrayList<>((int) Math.max(0, last - from + 1));
    int bytes = 0;
    for (long i = from; i <= last; i++) {
      LogEntry e = entry(i);
      bytes += e.sizeInBytes();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return List.copyOf(out);
  }

  /** Entries {@code [from, toInclusive]}. */
  public List<LogEntry> range(long from, long toInclusive) {
    return List.copyOf(entries.subList((int) (from - offset - 1), (int) (toInclusive - offset)));
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
    entries.add(entry);
  }

  /** Removes every entry at or after {@code index}. */
  public void truncateFrom(long index) {
    if (index <= offset) {
      throw new IllegalArgumentException("cannot truncate compacted index " + index);
    }
    if (index <= lastIndex()) {
      entries.subList((int) (index - offset - 1), entries.size()).clear();
    }
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
      entries.subList(0, (int) (index - offset)).clear();
    } else {
      entries.clear();
    }
    offset = index;
    offsetTerm = indexTerm;
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
    long i = from;
    while (i - 1 > offset && term(i - 1) == term) {
      i--;
    }
    return i;
  }

  /** The last index holding {@code term} at or below {@code from}, or 0 when there is none. */
  public long lastIndexOfTerm(long term, long from) {
    for (long i = Math.min(from, lastIndex()); i > offset; i--) {
      long t = term(i);
      if (t == term) {
        return i;
      }
      if (t < term) {
        return 0;
      }
    }
    return 0;
  }

  @Override
  public String toString() {
    return "RaftLog[" + firstIndex() + ".." + lastIndex() + "@" + lastTerm() + "]";
  }
}
