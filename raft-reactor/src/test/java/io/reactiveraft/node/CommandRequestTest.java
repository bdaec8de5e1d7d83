package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;

/** The command's Mono: one outcome, to one subscriber, whichever of the two comes first. */
class CommandRequestTest {

  private static CommandRequest<String> request() {
    return new CommandRequest<>(1, 1, 0, Duration.ofSeconds(1));
  }

  @Test
  void anOutcomeBeforeTheSubscriberWaitsForIt() {
    CommandRequest<String> r = request();
    assertThat(r.release()).isTrue();
    r.succeed("applied");
    assertThat(r.block(Duration.ZERO)).isEqualTo("applied");
  }

  @Test
  void aSubscriberBeforeTheOutcomeGetsItWhenItComes() {
    CommandRequest<String> r = request();
    List<String> seen = new ArrayList<>();
    AtomicReference<Boolean> completed = new AtomicReference<>(false);
    r.subscribe(seen::add, e -> seen.add("error " + e), () -> completed.set(true));
    assertThat(seen).isEmpty();
    r.release();
    r.succeed("applied");
    assertThat(seen).containsExactly("applied");
    assertThat(completed.get()).isTrue();
  }

  @Test
  void aNullResultCompletesEmptyAndAnErrorFails() {
    CommandRequest<String> empty = request();
    empty.release();
    empty.succeed(null);
    assertThat(empty.hasElement().block(Duration.ZERO)).isFalse();

    CommandRequest<String> failed = request();
    failed.release();
    failed.fail(new IllegalStateException("refused"));
    assertThatThrownBy(() -> failed.block(Duration.ZERO)).hasMessage("refused");
  }

  @Test
  void onlyOneCallerMayAnswer() {
    CommandRequest<String> r = request();
    assertThat(r.release()).isTrue();
    assertThat(r.release()).isFalse();
    assertThat(r.released()).isTrue();
  }

  @Test
  void aSecondSubscriberIsRefused() {
    CommandRequest<String> r = request();
    r.subscribe();
    // The refusal itself, not block()'s own timeout, which is an IllegalStateException too.
    assertThatThrownBy(() -> r.block(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a command's result is delivered to one subscriber");
  }

  @Test
  void aCancelledSubscriberHearsNothingMore() {
    CommandRequest<String> r = request();
    List<String> seen = new ArrayList<>();
    Disposable subscription = r.subscribe(seen::add, e -> seen.add("error " + e));
    subscription.dispose();
    r.release();
    r.succeed("applied");
    assertThat(seen).isEmpty();
  }

  @Test
  void anErrorForACallerThatStoppedWaitingIsNotReportedAsDropped() {
    List<Throwable> dropped = new ArrayList<>();
    Hooks.onErrorDropped(dropped::add);
    try {
      CommandRequest<String> r = request();
      r.subscribe(v -> {}, e -> {}).dispose();
      r.release();
      r.fail(new IllegalStateException("timed out"));
      assertThat(dropped).isEmpty();
    } finally {
      Hooks.resetOnErrorDropped();
    }
  }

  @Test
  void noSignalPrecedesTheSubscriptionEvenWhenTheOutcomeRacesIt() throws InterruptedException {
    for (int i = 0; i < 2_000; i++) {
      CommandRequest<String> r = request();
      boolean failing = i % 2 == 0;
      Thread answerer =
          new Thread(
              () -> {
                r.release();
                if (failing) {
                  r.fail(new IllegalStateException("refused"));
                } else {
                  r.succeed(null);
                }
              });
      List<String> signals = java.util.Collections.synchronizedList(new ArrayList<>());
      CountDownLatch terminated = new CountDownLatch(1);
      answerer.start();
      r.subscribe(
          new BaseSubscriber<String>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
              signals.add("subscribe");
              subscription.request(1);
            }

            @Override
            protected void hookOnComplete() {
              signals.add("complete");
              terminated.countDown();
            }

            @Override
            protected void hookOnError(Throwable e) {
              signals.add("error");
              terminated.countDown();
            }
          });
      answerer.join();
      assertThat(terminated.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(signals).containsExactly("subscribe", failing ? "error" : "complete");
    }
  }

  @Test
  void anOutcomeRacingTheSubscriptionIsDeliveredExactlyOnce() throws InterruptedException {
    for (int i = 0; i < 2_000; i++) {
      CommandRequest<String> r = request();
      CountDownLatch delivered = new CountDownLatch(1);
      List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread answerer =
          new Thread(
              () -> {
                r.release();
                r.succeed("v");
              });
      answerer.start();
      Mono.from(r)
          .subscribe(
              v -> {
                seen.add(v);
                delivered.countDown();
              });
      answerer.join();
      assertThat(delivered.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(seen).containsExactly("v");
    }
  }
}
