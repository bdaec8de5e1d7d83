package io.reactiveraft.log;

import io.reactiveraft.message.LogEntry;

/**
 * The most recent entries of the log, contiguous up to its last index, so that the leader's reads
 * of what it just appended never touch the mapping.
 *
 * <p>It also holds every entry the IO thread has not copied yet, whatever the capacity: an entry
 * leaves only once the write operation that carries it (its sequence number) has completed, so a
 * read that misses the cache always finds its record in the mapping. Not thread-safe: the store's
 * lock guards it.
 */
final class EntryCache {

  private final int capacity;
  private LogEntry[] entries = new LogEntry[16];
  private long[] sequences = new long[16];
  private int head;
  private int size;

  EntryCache(int capacity) {
    this.capacity = capacity;
  }

  /** The index of the oldest cached entry, or {@code Long.MAX_VALUE} when empty. */
  long firstIndex() {
    return size == 0 ? Long.MAX_VALUE : entries[head].index();
  }

  boolean contains(long index) {
    return size > 0 && index >= firstIndex() && index < firstIndex() + size;
  }

  LogEntry get(long index) {
    return entries[slot((int) (index - firstIndex()))];
  }

  /**
   * Adds {@code entry}, which continues the cached entries (or starts them when empty).
   *
   * @param sequence the write operation that copies it to the mapping
   */
  void add(LogEntry entry, long sequence) {
    if (size == entries.length) {
      grow();
    }
    int at = slot(size);
    entries[at] = entry;
    sequences[at] = sequence;
    size++;
  }

  /** Drops every entry at or after {@code index}. */
  void truncateFrom(long index) {
    if (size == 0 || index >= firstIndex() + size) {
      return;
    }
    int keep = (int) Math.max(0, index - firstIndex());
    for (int i = keep; i < size; i++) {
      entries[slot(i)] = null;
    }
    size = keep;
  }

  /**
   * Drops every entry before {@code index}, copied or not: they left the log (a snapshot covers
   * them), so no read will ask for them again.
   */
  void discardBefore(long index) {
    while (size > 0 && entries[head].index() < index) {
      entries[head] = null;
      head = (head + 1) % entries.length;
      size--;
    }
  }

  /** Drops the oldest entries beyond the capacity that the IO thread has copied. */
  void evict(long completedSequence) {
    while (size > capacity && sequences[head] <= completedSequence) {
      entries[head] = null;
      head = (head + 1) % entries.length;
      size--;
    }
  }

  int size() {
    return size;
  }

  private int slot(int i) {
    return (head + i) % entries.length;
  }

  private void grow() {
    LogEntry[] e = new LogEntry[entries.length * 2];
    long[] s = new long[e.length];
    for (int i = 0; i < size; i++) {
      e[i] = entries[slot(i)];
      s[i] = sequences[slot(i)];
    }
    entries = e;
    sequences = s;
    head = 0;
  }
}
