package io.reactiveraft.node;

import java.time.Duration;

/** Deadlines on the monotonic clock, for timeouts of any length a caller may pass. */
final class Deadlines {

  private Deadlines() {}

  /**
   * {@code nowNanos} plus {@code timeout}; {@code Long.MAX_VALUE} (never) when that does not fit,
   * as for a timeout of centuries.
   */
  static long after(long nowNanos, Duration timeout) {
    try {
      return Math.addExact(nowNanos, timeout.toNanos());
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
