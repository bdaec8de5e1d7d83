package io.reactiveraft.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A scheduler that runs tasks on another but reads its clock ahead by a fixed amount: a node whose
 * wall clock is set wrong, while its timers keep their pace.
 */
public final class ClockAheadScheduler implements Scheduler {

  private final Scheduler delegate;
  private final long aheadNanos;

  public ClockAheadScheduler(Scheduler delegate, Duration ahead) {
    this.delegate = delegate;
    this.aheadNanos = ahead.toNanos();
  }

  @Override
  public long now(TimeUnit unit) {
    return unit.convert(delegate.now(TimeUnit.NANOSECONDS) + aheadNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public Disposable schedule(Runnable task) {
    return delegate.schedule(task);
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    return delegate.schedule(task, delay, unit);
  }

  @Override
  public Disposable schedulePeriodically(
      Runnable task, long initialDelay, long period, TimeUnit unit) {
    return delegate.schedulePeriodically(task, initialDelay, period, unit);
  }

  @Override
  public Worker createWorker() {
    return delegate.createWorker();
  }

  @Override
  public void dispose() {
    // the delegate belongs to whoever made it
  }
}
