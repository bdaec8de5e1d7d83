package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.CommandTimeoutException;
import io.reactiveraft.NodeClosedException;
import io.reactiveraft.OverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class WaitingCallersTest {

  private final AtomicBoolean closing = new AtomicBoolean();
  private final List<Long> abandoned = new ArrayList<>();
  private final WaitingCallers<String, String> callers =
      new WaitingCallers<>("n1", closing::get, query -> "value of " + query, 1, 3);

  /** What a caller's Mono delivered: its value, its error, or "done" for an empty completion. */
  private static List<Object> outcome(Mono<?> mono) {
    List<Object> seen = new ArrayList<>();
    mono.subscribe(seen::add, seen::add, () -> seen.add("done"));
    return seen;
  }

  @Test
  void aReadIsAnsweredOnceItsIndexIsReadyAndOnlyOnce() {
    List<Long> sent = new ArrayList<>();
    List<Object> seen = outcome(callers.read("k", Duration.ofSeconds(1), 1_000, sent::add));
    assertThat(sent).hasSize(1);
    Runnable answer = callers.readReady(sent.get(0));
    assertThat(seen).isEmpty();
    answer.run();
    answer.run();
    assertThat(seen).containsExactly("value of k", "done");
    assertThat(callers.readReady(sent.get(0))).as("no longer waiting").isNull();
  }

  @Test
  void aReadPastItsDeadlineTimesOutEvenWhileItWaitsForTheApply() {
    List<Long> sent = new ArrayList<>();
    List<Object> seen = outcome(callers.read("k", Duration.ofMillis(5), 1_000, sent::add));
    Runnable answer = callers.readReady(sent.get(0));
    callers.expireReads(999, abandoned::add);
    assertThat(seen).isEmpty();
    assertThat(abandoned).isEmpty();
    callers.expireReads(1_000, abandoned::add);
    assertThat(seen).singleElement().isInstanceOf(CommandTimeoutException.class);
    assertThat(abandoned).as("the core is told to forget it").containsExactly(sent.get(0));
    answer.run(); // the apply came too late: the caller was answered already
    assertThat(seen).hasSize(1);
  }

  @Test
  void changesAreAnsweredByTheirOwnIds() {
    List<Long> sent = new ArrayList<>();
    List<Object> first = outcome(callers.change(sent::add));
    List<Object> second = outcome(callers.change(sent::add));
    assertThat(sent).doesNotHaveDuplicates().hasSize(2);
    callers.changeFailed(sent.get(1), new IllegalStateException("refused"));
    callers.changeCompleted(sent.get(0));
    callers.changeCompleted(sent.get(1));
    assertThat(first).containsExactly("done");
    assertThat(second).singleElement().isInstanceOf(IllegalStateException.class);
  }

  @Test
  void stoppingFailsEveryCallerStillWaiting() {
    List<Object> read = outcome(callers.read("k", Duration.ofSeconds(1), 1_000, id -> {}));
    List<Object> change = outcome(callers.change(id -> {}));
    List<Sinks.One<Long>> started = new ArrayList<>();
    List<Object> snapshot = outcome(callers.snapshot(started::add));
    assertThat(started).hasSize(1);

    callers.failAll(null);

    assertThat(read).singleElement().isInstanceOf(NodeClosedException.class);
    assertThat(change).singleElement().isInstanceOf(NodeClosedException.class);
    assertThat(snapshot).singleElement().isInstanceOf(NodeClosedException.class);
    assertThat(((NodeClosedException) read.get(0)).outcomeUnknown())
        .as("reads change nothing")
        .isFalse();
    assertThat(((NodeClosedException) change.get(0)).outcomeUnknown())
        .as("may have taken effect")
        .isTrue();
  }

  @Test
  void aRequestMadeWhileClosingIsRefusedAndNeverSent() {
    closing.set(true);
    List<Long> sent = new ArrayList<>();
    List<Sinks.One<Long>> started = new ArrayList<>();
    assertThat(outcome(callers.read("k", Duration.ofSeconds(1), 1_000, sent::add)))
        .singleElement()
        .isInstanceOf(NodeClosedException.class);
    assertThat(outcome(callers.change(sent::add)))
        .singleElement()
        .isInstanceOf(NodeClosedException.class);
    assertThat(outcome(callers.snapshot(started::add)))
        .singleElement()
        .isInstanceOf(NodeClosedException.class);
    assertThat(sent).isEmpty();
    assertThat(started).isEmpty();
  }

  @Test
  void readsBeyondTheBoundFailFastUntilOneIsAnswered() {
    List<Long> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      callers.read("k" + i, Duration.ofSeconds(1), 1_000, sent::add).subscribe();
    }
    List<Object> refused = outcome(callers.read("over", Duration.ofSeconds(1), 1_000, sent::add));
    assertThat(refused).singleElement().isInstanceOf(OverloadedException.class);
    assertThat(sent).as("the refused read never reached the node").hasSize(3);

    callers.readReady(sent.get(0)).run();
    List<Object> admitted = outcome(callers.read("next", Duration.ofSeconds(1), 1_000, sent::add));
    assertThat(admitted).isEmpty();
    assertThat(sent).hasSize(4);
  }

  @Test
  void aQueryThatThrowsFailsItsReadOnly() {
    WaitingCallers<String, String> failing =
        new WaitingCallers<>(
            "n1",
            closing::get,
            query -> {
              throw new IllegalArgumentException("no such key kind");
            },
            1,
            3);
    List<Long> sent = new ArrayList<>();
    List<Object> seen = outcome(failing.read("k", Duration.ofSeconds(1), 1_000, sent::add));
    failing.readReady(sent.get(0)).run();
    assertThat(seen).singleElement().isInstanceOf(IllegalArgumentException.class);
  }
}
