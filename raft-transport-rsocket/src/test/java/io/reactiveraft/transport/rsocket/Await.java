package io.reactiveraft.transport.rsocket;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline: the only place the tests wait without a signal. */
final class Await {

  private Await() {}

  /**
   * Polls {@code condition} until it holds, parking briefly between polls.
   *
   * @throws AssertionError naming {@code what} when the deadline passes first
   */
  static void until(BooleanSupplier condition, Duration max, String what) {
    until(condition, max, () -> what);
  }

  /** As {@link #until(BooleanSupplier, Duration, String)}, describing the state at the deadline. */
  static void until(BooleanSupplier condition, Duration max, Supplier<String> what) {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not reached within " + max + ": " + what.get());
      }
      LockSupport.parkNanos(2_000_000);
    }
  }
}
