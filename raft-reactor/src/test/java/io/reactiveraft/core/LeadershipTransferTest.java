package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.MembershipChangeException;
import io.reactiveraft.MembershipChangeException.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A transfer's life: refused, handed over, completed or failed by who leads next, expired. */
class LeadershipTransferTest {

  private final Outbox outbox = new Outbox();
  private final LeadershipTransfer transfer = new LeadershipTransfer(outbox);

  @Test
  void aTransferToItselfIsDoneAndToANonVoterRefused() {
    transfer.request(1, "n1", "n1", true, 100);
    transfer.request(2, "n9", "n1", false, 100);

    List<Action> out = reports();
    assertThat(out).first().isEqualTo(new Action.ChangeCompleted(1));
    assertThat(reason(out.get(1))).isEqualTo(Reason.NOT_A_MEMBER);
    assertThat(transfer.target()).isNull();
  }

  @Test
  void aSecondTransferIsRefusedWhileOneIsUnderWay() {
    transfer.request(1, "n2", "n1", true, 100);
    transfer.request(2, "n3", "n1", true, 100);

    assertThat(failure(2)).isEqualTo(Reason.TRANSFER_IN_PROGRESS);
    assertThat(transfer.target()).isEqualTo("n2");
  }

  @Test
  void handingOverGivesTheLeaseAwayUntilTheNextTerm() {
    transfer.request(1, "n2", "n1", true, 100);
    assertThat(transfer.awaitsHandOver()).isTrue();

    transfer.handedOver();

    assertThat(transfer.awaitsHandOver()).isFalse();
    assertThat(transfer.leaseGivenAway()).isTrue();
    transfer.leadershipBegan();
    assertThat(transfer.leaseGivenAway()).isFalse();
  }

  @Test
  void completesWhenTheTargetIsSeenLeadingAfterStepDown() {
    transfer.request(1, "n2", "n1", true, 100);
    transfer.handedOver();
    transfer.steppedDown();

    assertThat(transfer.target()).isNull();
    transfer.leaderSeen("n2");

    assertThat(reports()).containsExactly(new Action.ChangeCompleted(1));
  }

  @Test
  void failsWhenAnotherMemberWins() {
    transfer.request(1, "n2", "n1", true, 100);
    transfer.steppedDown();
    transfer.leaderSeen("n3");

    assertThat(failure(1)).isEqualTo(Reason.TRANSFER_TIMED_OUT);
  }

  @Test
  void expiresAfterItsDeadlineOnly() {
    transfer.request(1, "n2", "n1", true, 100);
    transfer.expire(100);
    assertThat(reports()).isEmpty();

    transfer.expire(101);

    assertThat(failure(1)).isEqualTo(Reason.TRANSFER_TIMED_OUT);
    assertThat(transfer.target()).isNull();
    transfer.leaderSeen("n2");
    assertThat(reports()).isEmpty(); // reported once
  }

  private List<Action> reports() {
    return outbox.drain(null, true, 1, null);
  }

  private Reason failure(long requestId) {
    return reports().stream()
        .filter(a -> a instanceof Action.ChangeFailed f && f.requestId() == requestId)
        .map(LeadershipTransferTest::reason)
        .findFirst()
        .orElseThrow();
  }

  private static Reason reason(Action failed) {
    return ((MembershipChangeException) ((Action.ChangeFailed) failed).error()).reason();
  }
}
