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
    Semaphore permits = new Semaphore(outstanding);
    ConcurrentHistogram histogram = new ConcurrentHistogram(3);
    AtomicLong ops = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong totalErrors = new AtomicLong();
    AtomicLong failuresToBackOff = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    long start = System.nanoTime();
    long windowStart = start + warmup.toNanos();
    long end = windowStart + duration.toNanos();
    long submitted = 0;
    while (true) {
      permits.acquire();
      if (failuresToBackOff.getAndSet(0) > 0) {
        Thread.sleep(10);
      }
      if (System.nanoTime() >= end) {
        permits.release();
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
      result.subscribe(
          r -> {
            long t1 = System.nanoTime();
            if (t1 >= windowStart && t1 < end) {
              ops.incrementAndGet();
              histogram.recordValue(Math.max(1, (t1 - t0) / 1000));
            }
            permits.release();
          },
          e -> {
            long t1 = System.nanoTime();
            totalErrors.incrementAndGet();
            if (t1 >= windowStart && t1 < end) {
              errors.incrementAndGet();
            }
            firstError.compareAndSet(null, e.toString());
            onError.accept(e);
            failuresToBackOff.incrementAndGet();
            permits.release();
          });
    }
    boolean drained =
        permits.tryAcquire(outstanding, requestTimeout.toMillis() + 2000, TimeUnit.MILLISECONDS);
    return new Outcome(
        submitted,
        ops.get(),
        errors.get(),
        totalErrors.get(),
        histogram.copy(),
        firstError.get(),
        drained);
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
