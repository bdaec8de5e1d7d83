package io.reactiveraft.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * One node's view of the simulation's scheduler: it can be paused (a long GC pause: nothing of the
 * node runs, work queues up and runs on resume) and its timers run at a skewed rate (clock drift).
 */
final class PausableScheduler implements Scheduler {

  private final Scheduler delegate;
  private double clockRate;
  private final List<Runnable> held = new ArrayList<>();
  private boolean paused;

  /** The node's clock reading when its rate last changed (or it jumped), and the time then. */
  private long readingAtChange;

  private long timeAtChange;

  /**
   * @param clockRate how much longer than nominal the node's timers take, and how much slower its
   *     clock runs (1.0 = neither)
   */
  PausableScheduler(Scheduler delegate, double clockRate) {
    this.delegate = delegate;
    this.clockRate = clockRate;
  }

  /**
   * The node's monotonic clock, in nanoseconds, only ever forward. It runs {@code clockRate} times
   * slower than real time, as its timers do: one clock drives both on a real machine, and a leader
   * whose clock is slow both keeps its lease and steps down (check-quorum) late.
   */
  long clockNanos() {
    return readingAtChange
        + (long) ((delegate.now(TimeUnit.NANOSECONDS) - timeAtChange) / clockRate);
  }

  /** Drift: from now on the clock and the timers run at {@code rate}. */
  void drift(double rate) {
    readingAtChange = clockNanos();
    timeAtChange = delegate.now(TimeUnit.NANOSECONDS);
    clockRate = rate;
  }

  /** The clock jumps forward by {@code nanos} (a monotonic clock never goes back). */
  void jump(long nanos) {
    readingAtChange += nanos;
  }

  void pause() {
    paused = true;
  }

  void resume() {
    paused = false;
    List<Runnable> release = new ArrayList<>(held);
    held.clear();
    release.forEach(delegate::schedule);
  }

  boolean paused() {
    return paused;
  }

  private Runnable gated(Runnable task) {
    return () -> {
      if (paused) {
        held.add(task);
      } else {
        task.run();
      }
    };
  }

  @Override
  public Disposable schedule(Runnable task) {
    return delegate.schedule(gated(task));
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    return delegate.schedule(gated(task), skewed(delay, unit), TimeUnit.NANOSECONDS);
  }

  /** A delay as this node's timers measure it: {@code clockRate} times longer. */
  private long skewed(long delay, TimeUnit unit) {
    return (long) (unit.toNanos(delay) * clockRate);
  }

  @Override
  public long now(TimeUnit unit) {
    return delegate.now(unit);
  }

  @Override
  public Worker createWorker() {
    Worker w = delegate.createWorker();
    return new Worker() {
      @Override
      public Disposable schedule(Runnable task) {
        return w.schedule(gated(task));
      }

      @Override
      public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        // The node's ticks are delayed tasks, each scheduling the next: skewed like its clock.
        return w.schedule(gated(task), skewed(delay, unit), TimeUnit.NANOSECONDS);
      }

      @Override
      public Disposable schedulePeriodically(
          Runnable task, long initialDelay, long period, TimeUnit unit) {
        // A paused process misses its timer ticks rather than replaying them all on resume.
        long skewed = Math.max(1, (long) (unit.toNanos(period) * clockRate));
        return w.schedulePeriodically(
            () -> {
              if (!paused) {
                task.run();
              }
            },
            (long) (unit.toNanos(initialDelay) * clockRate),
            skewed,
            TimeUnit.NANOSECONDS);
      }

      @Override
      public void dispose() {
        w.dispose();
      }

      @Override
      public boolean isDisposed() {
        return w.isDisposed();
      }
    };
  }

  @Override
  public void dispose() {
    // The simulation's scheduler outlives every node.
  }
}
