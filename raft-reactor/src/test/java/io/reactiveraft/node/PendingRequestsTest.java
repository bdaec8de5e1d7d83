package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.EntryOverwrittenException;
import io.reactiveraft.LeadershipLostException;
import io.reactiveraft.OutcomeUnknownException;
import io.reactiveraft.OverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingRequestsTest {

  private static final Duration T = Duration.ofSeconds(1);

  private final List<Long> abandoned = new ArrayList<>();

  /** A one-byte command proposed and accepted at (index, term), as the event loop does it. */
  private static CommandRequest<String> accept(
      PendingRequests<String> pending, long index, long term) {
    CommandRequest<String> r = pending.reserve(1, 0, T);
    pending.proposed(r);
    pending.accepted(r.id(), index, term);
    return r;
  }

  @Test
  void acceptedRequestPastItsDeadlineTimesOutWithUnknownOutcome() {
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> r = accept(pending, 5, 1);
    pending.expire(T.toNanos() - 1, abandoned::add);
    assertThat(pending.size()).isEqualTo(1);
    pending.expire(T.toNanos(), abandoned::add);
    assertThatThrownBy(() -> r.block(Duration.ZERO))
        .isInstanceOf(io.reactiveraft.CommandTimeoutException.class);
    assertThat(pending.size()).isZero();
    assertThat(abandoned).as("accepted: the core waits on nothing for it").isEmpty();
  }

  @Test
  void aProposedRequestPastItsDeadlineIsReportedAbandoned() {
    // A command forwarded to a leader whose answer never came: the core still waits on it.
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> r = pending.reserve(1, 0, T);
    pending.proposed(r);
    pending.expire(T.toNanos() - 1, abandoned::add);
    assertThat(abandoned).isEmpty();
    pending.expire(T.toNanos(), abandoned::add);
    assertThatThrownBy(() -> r.block(Duration.ZERO))
        .isInstanceOf(io.reactiveraft.CommandTimeoutException.class);
    assertThat(abandoned).containsExactly(r.id());
  }

  @Test
  void aRequestWhoseEntryAppliedBeforeItWaitedFailsAtOnceWithUnknownOutcome() {
    // A forwarded command: the leader's answer (index 5) arrives after this node applied 7.
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> r = accept(pending, 5, 1);
    pending.awaitApply(pending.handOver(), 7);
    assertThatThrownBy(() -> r.block(Duration.ZERO)).isInstanceOf(OutcomeUnknownException.class);
    assertThat(pending.size()).isZero();
  }

  @Test
  void requestsWhoseEntriesASnapshotReplacedFailWithUnknownOutcome() {
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> covered = accept(pending, 5, 1);
    CommandRequest<String> after = accept(pending, 9, 1);
    pending.awaitApply(pending.handOver(), 0);
    pending.missedUpTo(8);
    assertThatThrownBy(() -> covered.block(Duration.ZERO))
        .isInstanceOf(OutcomeUnknownException.class);
    pending.applied(9, 1, "mine");
    assertThat(after.block(Duration.ZERO)).isEqualTo("mine");
  }

  @Test
  void aRequestLeftBelowTheEntryApplyingFailsInsteadOfWaitingForItsTimeout() {
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> missed = accept(pending, 5, 1);
    pending.awaitApply(pending.handOver(), 0);
    pending.applied(6, 1, "the next entry's result");
    assertThatThrownBy(() -> missed.block(Duration.ZERO))
        .isInstanceOf(OutcomeUnknownException.class);
    assertThat(pending.size()).isZero();
  }

  @Test
  void entryOverwrittenByAnotherTermFailsItsCallerInsteadOfHandingOverAnotherResult() {
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> r = accept(pending, 5, 1);
    pending.awaitApply(pending.handOver(), 0);
    pending.applied(5, 2, "someone else's result");
    assertThatThrownBy(() -> r.block(Duration.ZERO)).isInstanceOf(EntryOverwrittenException.class);
    assertThat(pending.size()).isZero();
  }

  @Test
  void resultReachesTheCallerWhoseEntryApplied() {
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> r = accept(pending, 5, 2);
    pending.awaitApply(pending.handOver(), 0);
    pending.applied(5, 2, "mine");
    assertThat(r.block(Duration.ZERO)).isEqualTo("mine");
  }

  @Test
  void stepDownFailsOnlyWhatIsAboveTheCommitIndex() {
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> committed = accept(pending, 4, 1);
    CommandRequest<String> uncommitted = accept(pending, 5, 1);
    pending.failAbove(4, i -> new LeadershipLostException("n1", i, 1));
    pending.awaitApply(pending.handOver(), 0);
    pending.applied(4, 1, "ok");
    assertThat(committed.block(Duration.ZERO)).isEqualTo("ok");
    assertThatThrownBy(() -> uncommitted.block(Duration.ZERO))
        .isInstanceOf(LeadershipLostException.class);
  }

  /**
   * Paper Figure 8: a leader that lost office accepted a command at index 5 in term 1, a later
   * leader another there in term 2, and yet the term-1 entry may be the one that commits. Only the
   * apply tells which; failing the first when the second was accepted would tell its caller "not
   * applied" about a command that then applies.
   */
  @Test
  void twoCallersWaitingOnOneIndexAreToldWhenItsEntryApplies() {
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> first = accept(pending, 5, 1);
    pending.awaitApply(pending.handOver(), 0);
    CommandRequest<String> second = accept(pending, 5, 2);
    pending.awaitApply(pending.handOver(), 0);
    assertThat(pending.size()).as("neither is answered before the entry applies").isEqualTo(2);

    pending.applied(5, 1, "first's result");

    assertThat(first.block(Duration.ZERO)).isEqualTo("first's result");
    assertThatThrownBy(() -> second.block(Duration.ZERO))
        .isInstanceOf(EntryOverwrittenException.class);
  }

  @Test
  void callersAcceptedOutOfIndexOrderEachGetTheirOwnResult() {
    PendingRequests<String> pending = new PendingRequests<>("n1", 10, 1 << 20, 0);
    CommandRequest<String> high = accept(pending, 7, 1);
    CommandRequest<String> low = accept(pending, 5, 2);
    pending.awaitApply(pending.handOver(), 0);

    pending.applied(5, 2, "at 5");
    pending.applied(7, 2, "at 7");

    assertThat(low.block(Duration.ZERO)).isEqualTo("at 5");
    assertThatThrownBy(() -> high.block(Duration.ZERO))
        .isInstanceOf(EntryOverwrittenException.class);
  }

  @Test
  void reservationsAreBoundedByCountAndBytesAndFreedOnCompletion() {
    PendingRequests<String> pending = new PendingRequests<>("n1", 2, 2048, 0);
    CommandRequest<String> a = pending.reserve(1000, 0, T);
    assertThatThrownBy(() -> pending.reserve(1100, 0, T)).isInstanceOf(OverloadedException.class);
    CommandRequest<String> b = pending.reserve(10, 0, T);
    assertThatThrownBy(() -> pending.reserve(1, 0, T)).isInstanceOf(OverloadedException.class);
    pending.fail(a, new IllegalStateException("first"));
    pending.fail(a, new IllegalStateException("again")); // failing twice frees once
    assertThat(pending.size()).isEqualTo(1);
    pending.reserve(1, 0, T);
    assertThat(pending.size()).isEqualTo(2);
    pending.fail(b, new IllegalStateException("done"));
    assertThat(pending.size()).isEqualTo(1);
  }
}
