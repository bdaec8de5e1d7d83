package io.reactiveraft.transport.rsocket;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one warning through per interval. A peer that sends garbage in a loop must not be able to
 * flood the log; the counters still see every event. Thread-safe.
 */
final class LogThrottle {

  private final long intervalNanos;
  private final AtomicLong nextAllowed;

  LogThrottle(Duration interval) {
    this.intervalNanos = interval.toNanos();
    this.nextAllowed = new AtomicLong(System.nanoTime());
  }

  /** Whether a warning may be logged now; if so, the next one waits an interval. */
  boolean permit() {
    long now = System.nanoTime();
    long next = nextAllowed.get();
    return now - next >= 0 && nextAllowed.compareAndSet(next, now + intervalNanos);
  }
}
