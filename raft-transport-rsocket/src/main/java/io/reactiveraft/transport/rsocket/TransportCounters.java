package io.reactiveraft.transport.rsocket;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link RSocketTransportStats}; thread-safe and contention-free. */
final class TransportCounters {

  private final LongAdder sent = new LongAdder();
  private final LongAdder answered = new LongAdder();
  private final LongAdder acknowledged = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder rejectedInbound = new LongAdder();
  private final LongAdder rejectedConnections = new LongAdder();

  void sent() {
    sent.increment();
  }

  void answered() {
    answered.increment();
  }

  void acknowledged() {
    acknowledged.increment();
  }

  void failed() {
    failed.increment();
  }

  void dropped() {
    dropped.increment();
  }

  void rejectedInbound() {
    rejectedInbound.increment();
  }

  void rejectedConnection() {
    rejectedConnections.increment();
  }

  RSocketTransportStats snapshot() {
    return new RSocketTransportStats(
        sent.sum(),
        acknowledged.sum(),
        failed.sum(),
        dropped.sum(),
        rejectedInbound.sum(),
        rejectedConnections.sum(),
        answered.sum());
  }
}
