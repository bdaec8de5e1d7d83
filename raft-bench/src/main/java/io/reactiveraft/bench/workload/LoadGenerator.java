package io.reactiveraft.bench.workload;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;

/**
 * The closed-loop load of WORKLOAD.md: one thread keeps exactly {@code outstanding} requests in
 * flight; completions inside the measured window count, and their latencies go into a histogram.
 * After a failed completion the generator waits 10 ms before it submits again.
 */
public final class LoadGenerator {

  /** What one run measured. */
  public record Outcome(
      long submitted,
      long ops,
      long errors,
      long totalErrors,
      Histogram latenciesMicros,
      String firstError,
      boolean drained) {

    public double opsPerSecond(Duration window) {
      return ops / (window.toNanos() / 1e9);
    }
  }

  private final PutCommands commands;
  private final int outstanding;
  private final Duration warmup;
  private final Duration duration;
  private final Duration requestTimeout;

  public LoadGenerator(
      PutCommands commands,
      int outstanding,
      Duration warmup,
      Duration duration,
      Duration requestTimeout) {
    this.commands = commands;
    this.outstanding = outstanding;
    this.warmup = warmup;
    this.duration = duration;
    this.requestTimeout = requestTimeout;
  }

  /**
   * Runs the load against {@code submit}, which must not block. {@code onError} hears of each
   * failure (to rediscover the leader).
   */
  public Outcome run(Function<byte[], Mono<?>> submit, Consumer<Throwable> onError)
      throws InterruptedException {
    return run(submit, onError, () -> {}, () -> {});
  }

  /**
   * As {@link #run(Function, Consumer)}, calling {@code atWindowStart} when the measured window
   * opens (as the first request of the window is about to go) and {@code atWindowEnd} when it
   * closes, before the requests still out are drained: for counters taken over the window alone.
   */
  public Outcome run(
      Function<byte[], Mono<?>> submit,
      Consumer<Throwable> onError,
      Runnable atWindowStart,
      Runnable atWindowEnd)
      throws InterruptedException {
    long start = System.nanoTime();
    boolean windowOpen = false;
    Tally tally = new Tally(start + warmup.toNanos(), onError);
    long end = tally.windowEnd;
    long submitted = 0;
    long stuckMillis = requestTimeout.toMillis() + 2000;
    boolean stuck = false;
    while (true) {
      if (!tally.permits.tryAcquire(stuckMillis, TimeUnit.MILLISECONDS)) {
        // Every request in flight outlived the node's own timeout: a run that would never end.
        // It ends here, reported as not drained.
        stuck = true;
        break;
      }
      if (tally.failuresToBackOff.getAndSet(0) > 0) {
        Thread.sleep(10);
      }
      long now = System.nanoTime();
      if (!windowOpen && now >= tally.windowStart) {
        windowOpen = true;
        atWindowStart.run();
      }
      if (now >= end) {
        tally.permits.release();
        break;
      }
      byte[] command = commands.next();
      long t0 = System.nanoTime();
      Mono<?> result;
      try {
        result = submit.apply(command);
      } catch (RuntimeException e) {
        result = Mono.error(e);
      }
      submitted++;
      // The node enforces the request timeout (its command timeout is set to it): a second
      // timer per request here would cost the generator more than the node.
      result.subscribe(new Completion(tally, t0));
    }
    atWindowEnd.run();
    boolean drained =
        !stuck && tally.permits.tryAcquire(outstanding, stuckMillis, TimeUnit.MILLISECONDS);
    return new Outcome(
        submitted,
        tally.ops.get(),
        tally.errors.get(),
        tally.totalErrors.get(),
        tally.histogram.copy(),
        tally.firstError.get(),
        drained);
  }

  /** What the completions of one run add up to. */
  private final class Tally {
    final Semaphore permits = new Semaphore(outstanding);
    final ConcurrentHistogram histogram = new ConcurrentHistogram(3);
    final AtomicLong ops = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong totalErrors = new AtomicLong();
    final AtomicLong failuresToBackOff = new AtomicLong();
    final AtomicReference<String> firstError = new AtomicReference<>();
    final long windowStart;
    final long windowEnd;
    final Consumer<Throwable> onError;

    Tally(long windowStart, Consumer<Throwable> onError) {
      this.windowStart = windowStart;
      this.windowEnd = windowStart + duration.toNanos();
      this.onError = onError;
    }

    boolean inWindow(long t) {
      return t >= windowStart && t < windowEnd;
    }
  }

  /**
   * Waits for one request: a single object per request, where two lambdas and the subscriber
   * wrapping them were three, because the generator's garbage is collected with the nodes'.
   */
  private static final class Completion extends BaseSubscriber<Object> {
    private final Tally tally;
    private final long t0;
    private boolean answered;

    Completion(Tally tally, long t0) {
      this.tally = tally;
      this.t0 = t0;
    }

    @Override
    protected void hookOnNext(Object value) {
      succeeded();
    }

    @Override
    protected void hookOnComplete() {
      succeeded(); // a Mono that completes empty has answered too
    }

    private void succeeded() {
      if (answered) {
        return;
      }
      answered = true;
      long t1 = System.nanoTime();
      if (tally.inWindow(t1)) {
        tally.ops.incrementAndGet();
        tally.histogram.recordValue(Math.max(1, (t1 - t0) / 1000));
      }
      tally.permits.release();
    }

    @Override
    protected void hookOnError(Throwable e) {
      long t1 = System.nanoTime();
      tally.totalErrors.incrementAndGet();
      if (tally.inWindow(t1)) {
        tally.errors.incrementAndGet();
      }
      tally.firstError.compareAndSet(null, e.toString());
      tally.onError.accept(e);
      tally.failuresToBackOff.incrementAndGet();
      tally.permits.release();
    }
  }

  /** The RESULT line of WORKLOAD.md. */
  public static String resultLine(
      String system, int payload, int outstanding, boolean fsync, Outcome o, Duration window) {
    Histogram h = o.latenciesMicros();
    return String.format(
        Locale.ROOT,
        "RESULT system=%s nodes=3 payload=%d outstanding=%d fsync=%s ops_per_s=%.1f p50_us=%d"
            + " p99_us=%d p999_us=%d errors=%d",
        system,
        payload,
        outstanding,
        fsync ? "on" : "off",
        o.opsPerSecond(window),
        h.getValueAtPercentile(50.0),
        h.getValueAtPercentile(99.0),
        h.getValueAtPercentile(99.9),
        o.errors());
  }
}
