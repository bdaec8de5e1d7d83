package io.reactiveraft.log;

import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * A {@link LogStore} in memory: everything is "durable" at once and lost with the process. For
 * tests, simulations and nodes whose durability comes from the rest of the cluster. Not thread-safe
 * beyond what the {@code LogStore} contract needs (one event loop).
 */
public final class InMemoryLogStore implements LogStore {

  /** The entries from {@link #firstIndex()} on: entry {@code i} sits at {@code i - start}. */
  private final List<LogEntry> entries = new ArrayList<>();

  private long start = 1;
  private long commitIndex;
  private HardState hardState = HardState.INITIAL;
  private boolean closed;

  @Override
  public HardState hardState() {
    return hardState;
  }

  @Override
  public void saveHardState(HardState state) {
    ensureOpen();
    hardState = Objects.requireNonNull(state, "state");
  }

  /** The last index saved, lowered by a truncation below it; survives a node's restart on it. */
  @Override
  public long commitIndex() {
    return commitIndex;
  }

  @Override
  public void saveCommitIndex(long index) {
    ensureOpen();
    commitIndex = Math.max(commitIndex, Math.min(index, lastIndex()));
  }

  @Override
  public long firstIndex() {
    return start;
  }

  @Override
  public long lastIndex() {
    return start + entries.size() - 1;
  }

  @Override
  public List<LogEntry> entries(long from, long toInclusive) {
    if (from < start || toInclusive > lastIndex() || from > toInclusive + 1) {
      throw new IndexOutOfBoundsException(
          "range [" + from + ", " + toInclusive + "] outside [" + start + ", " + lastIndex() + "]");
    }
    return List.copyOf(entries.subList((int) (from - start), (int) (toInclusive - start + 1)));
  }

  @Override
  public void append(List<LogEntry> batch) {
    ensureOpen();
    for (LogEntry e : batch) {
      if (e.index() != lastIndex() + 1) {
        throw new IllegalArgumentException(
            "entry " + e.index() + " does not continue the log at " + lastIndex());
      }
      entries.add(e);
    }
  }

  @Override
  public void discardPrefix(long upToIndex) {
    ensureOpen();
    if (upToIndex < start) {
      return;
    }
    int drop = (int) Math.min(entries.size(), upToIndex - start + 1);
    entries.subList(0, drop).clear();
    start = upToIndex + 1;
  }

  @Override
  public void truncateSuffix(long fromIndex) {
    ensureOpen();
    if (fromIndex <= lastIndex()) {
      entries.subList((int) Math.max(0, fromIndex - start), entries.size()).clear();
      commitIndex = Math.min(commitIndex, lastIndex());
    }
  }

  @Override
  public Mono<Void> flush() {
    return closed ? Mono.error(new IllegalStateException("log store is closed")) : Mono.empty();
  }

  @Override
  public void close() {
    closed = true;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("log store is closed");
    }
  }
}
