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

  private final List<LogEntry> entries = new ArrayList<>();
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

  @Override
  public long firstIndex() {
    return 1;
  }

  @Override
  public long lastIndex() {
    return entries.size();
  }

  @Override
  public List<LogEntry> entries(long from, long toInclusive) {
    if (from < 1 || toInclusive > lastIndex() || from > toInclusive + 1) {
      throw new IndexOutOfBoundsException(
          "range [" + from + ", " + toInclusive + "] outside [1, " + lastIndex() + "]");
    }
    return List.copyOf(entries.subList((int) from - 1, (int) toInclusive));
  }

  @Override
  public void append(List<LogEntry> batch) {
    ensureOpen();
    for (LogEntry e : batch) {
      if (e.index() != entries.size() + 1) {
        throw new IllegalArgumentException(
            "entry " + e.index() + " does not continue the log at " + entries.size());
      }
      entries.add(e);
    }
  }

  @Override
  public void discardPrefix(long upToIndex) {
    throw new UnsupportedOperationException("discardPrefix is not implemented yet");
  }

  @Override
  public void truncateSuffix(long fromIndex) {
    ensureOpen();
    if (fromIndex <= entries.size()) {
      entries.subList((int) Math.max(0, fromIndex - 1), entries.size()).clear();
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
