package io.reactiveraft.log;

import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.LostEntries;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * A {@link LogStore} that passes every call on to another: the base of a store that changes one
 * behaviour of another and keeps the rest. Every method of the SPI is passed on, the ones with
 * defaults too, so a wrapper cannot hide, say, a store's {@link #lostEntries} by overriding too
 * little. Threading and contracts are the wrapped store's.
 */
public abstract class ForwardingLogStore implements LogStore {

  private final LogStore delegate;

  /** Wraps {@code delegate}, which this store then owns and closes. */
  protected ForwardingLogStore(LogStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The wrapped store. */
  protected LogStore delegate() {
    return delegate;
  }

  @Override
  public HardState hardState() {
    return delegate.hardState();
  }

  @Override
  public void saveHardState(HardState state) {
    delegate.saveHardState(state);
  }

  @Override
  public LostEntries lostEntries() {
    return delegate.lostEntries();
  }

  @Override
  public long commitIndex() {
    return delegate.commitIndex();
  }

  @Override
  public void saveCommitIndex(long commitIndex) {
    delegate.saveCommitIndex(commitIndex);
  }

  @Override
  public long firstIndex() {
    return delegate.firstIndex();
  }

  @Override
  public long lastIndex() {
    return delegate.lastIndex();
  }

  @Override
  public List<LogEntry> entries(long from, long toInclusive) {
    return delegate.entries(from, toInclusive);
  }

  @Override
  public void append(List<LogEntry> entries) {
    delegate.append(entries);
  }

  @Override
  public int maxPayloadBytes() {
    return delegate.maxPayloadBytes();
  }

  @Override
  public void truncateSuffix(long fromIndex) {
    delegate.truncateSuffix(fromIndex);
  }

  @Override
  public void discardPrefix(long upToIndex) {
    delegate.discardPrefix(upToIndex);
  }

  @Override
  public Mono<Void> flush() {
    return delegate.flush();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
