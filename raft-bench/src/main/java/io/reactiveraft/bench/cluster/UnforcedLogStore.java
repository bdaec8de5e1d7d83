package io.reactiveraft.bench.cluster;

import io.reactiveraft.log.ForwardingLogStore;
import io.reactiveraft.log.MappedLogStore;
import reactor.core.publisher.Mono;

/**
 * The mapped log acknowledged as soon as entries are written to the segment, without waiting for a
 * force: the benchmark's {@code --fsync off}, which trades durability on power loss for latency, as
 * other libraries' "unsafe flush" settings do. Not for production.
 */
public final class UnforcedLogStore extends ForwardingLogStore {

  private final MappedLogStore store;

  /** Wraps {@code store}, which this class then owns and closes. */
  public UnforcedLogStore(MappedLogStore store) {
    super(store);
    this.store = store;
  }

  @Override
  public Mono<Void> flush() {
    return store.written();
  }
}
