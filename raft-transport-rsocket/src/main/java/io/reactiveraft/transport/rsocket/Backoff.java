package io.reactiveraft.transport.rsocket;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential reconnect backoff with jitter: after the n-th failure in a row, wait a random time in
 * [d/2, d] where d = min(max, min * 2^(n-1)). The jitter keeps the members of a cluster that lost
 * the same peer from knocking on its door in lockstep.
 *
 * @param min the wait after the first failure
 * @param max the longest wait
 */
record Backoff(Duration min, Duration max) {

  Backoff {
    if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("need 0 < min <= max, got " + min + " and " + max);
    }
  }

  /** The wait in nanoseconds after {@code failures} failures in a row (at least 1). */
  long delayNanos(int failures) {
    long maxNanos = max.toNanos();
    long d = Math.min(min.toNanos(), maxNanos);
    for (int i = 1; i < failures && d < maxNanos; i++) {
      d = d > maxNanos / 2 ? maxNanos : d * 2;
    }
    return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
  }
}
