package io.reactiveraft.bench.cluster;

import io.reactiveraft.log.MappedLogStore;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.LostEntries;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * The mapped log acknowledged as soon as entries are written to the segment, without waiting for a
 * force: the benchmark's {@code --fsync off}, which trades durability on power loss for latency, as
 * other libraries' "unsafe flush" settings do. Not for production.
 */
public final class UnforcedLogStore implements LogStore {

  private final MappedLogStore store;

  /** Wraps {@code store}, which this class then owns and closes. */
  public UnforcedLogStore(MappedLogStore store) {
    this.store = store;
  }

  @Override
  public HardState hardState() {
    return store.hardState();
  }

  @Override
  public LostEntries lostEntries() {
    return store.lostEntries();
  }

  @Override
  public void saveHardState(HardState state) {
    store.saveHardState(state);
  }

  @Override
  public long firstIndex() {
    return store.firstIndex();
  }

  @Override
  public long lastIndex() {
    return store.lastIndex();
  }

  @Override
  public List<LogEntry> entries(long from, long toInclusive) {
    return store.entries(from, toInclusive);
  }

  @Override
  public void append(List<LogEntry> entries) {
    store.append(entries);
  }

  @Override
  public int maxPayloadBytes() {
    return store.maxPayloadBytes();
  }

  @Override
  public void discardPrefix(long upToIndex) {
    store.discardPrefix(upToIndex);
  }

  @Override
  public void truncateSuffix(long fromIndex) {
    store.truncateSuffix(fromIndex);
  }

  @Override
  public Mono<Void> flush() {
    return store.written();
  }

  @Override
  public void close() {
    store.close();
  }
}
