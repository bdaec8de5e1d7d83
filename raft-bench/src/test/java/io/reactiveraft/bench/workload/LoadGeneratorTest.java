package io.reactiveraft.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

class LoadGeneratorTest {

  /** A request that never completes (its timeout lost) must not keep the run going forever. */
  @Test
  @Timeout(30)
  void aRequestThatNeverCompletesEndsTheRunUndrained() throws InterruptedException {
    LoadGenerator generator =
        new LoadGenerator(
            new PutCommands(42, 100, 100),
            1,
            Duration.ZERO,
            Duration.ofMillis(200),
            Duration.ofMillis(100));
    AtomicInteger submitted = new AtomicInteger();

    LoadGenerator.Outcome outcome =
        generator.run(
            command -> Mono.never().doOnSubscribe(s -> submitted.incrementAndGet()), e -> {});

    assertThat(outcome.drained()).isFalse();
    assertThat(outcome.submitted()).isEqualTo(1);
    assertThat(submitted).hasValue(1);
  }

  @Test
  void theWindowHooksRunOnceEachAroundTheMeasuredRequests() throws InterruptedException {
    LoadGenerator generator =
        new LoadGenerator(
            new PutCommands(1, 10, 16),
            1,
            Duration.ofMillis(200),
            Duration.ofMillis(500),
            Duration.ofMillis(1000));
    AtomicInteger requests = new AtomicInteger();
    List<Integer> atStart = new CopyOnWriteArrayList<>();
    List<Integer> atEnd = new CopyOnWriteArrayList<>();

    LoadGenerator.Outcome outcome =
        generator.run(
            command -> Mono.fromRunnable(requests::incrementAndGet).thenReturn(1),
            e -> {},
            () -> atStart.add(requests.get()),
            () -> atEnd.add(requests.get()));

    assertThat(atStart).hasSize(1);
    assertThat(atEnd).hasSize(1);
    assertThat(atStart.get(0)).as("warmup requests come first").isPositive();
    // The requests measured were issued between the hooks (one in flight at a time), save one
    // whose clock reading fell just past the window's start after the hook's check.
    assertThat(atEnd.get(0) - atStart.get(0)).isGreaterThanOrEqualTo((int) outcome.ops() - 1);
    assertThat(outcome.ops()).isPositive();
  }
}
