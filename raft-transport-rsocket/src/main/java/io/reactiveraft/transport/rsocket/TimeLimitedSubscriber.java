package io.reactiveraft.transport.rsocket;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Scheduler;

/**
 * Takes one value, for at most a time limit; past it, {@link #expire} runs, which cancels.
 *
 * <p>The limit is this subscriber's own rather than Reactor's {@code timeout} operator: a value
 * that arrives as that operator fires is dropped without being released or closed (a pooled buffer
 * leaks, a connection stays open). Here a value is handed to {@link #hookOnNext} whenever it comes,
 * even after a cancel, so the subclass can release or close it; and the terminal hooks run once.
 *
 * @param <T> the value
 */
abstract class TimeLimitedSubscriber<T> extends BaseSubscriber<T> {

  private final Scheduler timer;
  private final Duration limit;
  private Disposable timeout;

  TimeLimitedSubscriber(Scheduler timer, Duration limit) {
    this.timer = timer;
    this.limit = limit;
  }

  @Override
  protected final void hookOnSubscribe(Subscription subscription) {
    timeout = timer.schedule(this::expire, limit.toNanos(), TimeUnit.NANOSECONDS);
    subscription.request(1);
  }

  /** The limit passed: cancels. A subclass that says more calls this too. */
  protected void expire() {
    cancel();
  }

  @Override
  protected final void hookFinally(SignalType type) {
    if (timeout != null) { // null when the timer refused it: the transport is closing
      timeout.dispose();
    }
  }
}
