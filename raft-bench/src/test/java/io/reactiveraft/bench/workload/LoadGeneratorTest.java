package io.reactiveraft.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
}
