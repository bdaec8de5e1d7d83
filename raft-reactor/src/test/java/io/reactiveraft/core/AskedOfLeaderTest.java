package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.NotLeaderException;
import io.reactiveraft.OutcomeUnknownException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A follower's callers waiting on the leader are told when its term ends. */
class AskedOfLeaderTest {

  private final Outbox outbox = new Outbox();
  private final AskedOfLeader asked = new AskedOfLeader(outbox);

  @Test
  void anAnsweredRequestWaitsNoMore() {
    asked.commandForwarded(1);
    asked.readAsked(2);

    assertThat(asked.commandAnswered(1)).isTrue();
    assertThat(asked.commandAnswered(1)).isFalse();
    assertThat(asked.readAnswered(1)).isFalse();
    assertThat(asked.readAnswered(2)).isTrue();
  }

  @Test
  void theTermsEndFailsReadsAndLeavesCommandsOutcomeUnknown() {
    asked.commandForwarded(1);
    asked.readAsked(2);
    asked.commandAnswered(1);
    asked.commandForwarded(3);

    asked.termEnded(
        () -> new NotLeaderException("n2", null, null),
        () -> new OutcomeUnknownException("term ended"));

    List<Action> out = outbox.drain(null, false, 1, null);
    assertThat(out).hasSize(2);
    assertThat(out.get(0))
        .isInstanceOfSatisfying(
            Action.ReadFailed.class, f -> assertThat(f.requestId()).isEqualTo(2));
    assertThat(out.get(1))
        .isInstanceOfSatisfying(
            Action.ProposalRejected.class,
            r -> {
              assertThat(r.requestId()).isEqualTo(3);
              assertThat(r.error()).isInstanceOf(OutcomeUnknownException.class);
            });
    asked.termEnded(() -> null, () -> null);
    assertThat(outbox.drain(null, false, 1, null)).isEmpty();
  }

  @Test
  void anAbandonedRequestIsForgottenAndItsLateAnswerIgnored() {
    asked.commandForwarded(1);
    asked.readAsked(1);
    asked.commandForwarded(2);
    asked.commandAbandoned(1);
    asked.readAbandoned(1);

    assertThat(asked.commandAnswered(1)).as("a late answer").isFalse();
    assertThat(asked.readAnswered(1)).isFalse();
    asked.termEnded(
        () -> new NotLeaderException("n2", null, null),
        () -> new OutcomeUnknownException("term ended"));
    assertThat(outbox.drain(null, false, 1, null))
        .singleElement()
        .isInstanceOfSatisfying(
            Action.ProposalRejected.class, r -> assertThat(r.requestId()).isEqualTo(2));
  }
}
