package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.EntryOverwrittenException;
import io.reactiveraft.LeadershipLostException;
import io.reactiveraft.OverloadedException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PendingRequestsTest {

  private static final Duration T = Duration.ofSeconds(1);

  @Test
  void acceptedRequestPastItsDeadlineTimesOutWithUnknownOutcome() {
    PendingRequests<String> pending = new PendingRequests<>(10, 1 << 20);
    PendingRequests.Request<String> r = pending.reserve(3, 0, T);
    pending.proposed(r);
    pending.accepted(r.id(), 5, 1);
    pending.expire(T.toNanos() - 1);
    assertThat(pending.size()).isEqualTo(1);
    pending.expire(T.toNanos());
    assertThatThrownBy(() -> r.sink().asMono().block(Duration.ZERO))
        .isInstanceOf(io.reactiveraft.CommandTimeoutException.class);
    assertThat(pending.size()).isZero();
  }

  @Test
  void entryOverwrittenByAnotherTermFailsItsCallerInsteadOfHandingOverAnotherResult() {
    PendingRequests<String> pending = new PendingRequests<>(10, 1 << 20);
    PendingRequests.Request<String> r = pending.reserve(3, 0, T);
    pending.proposed(r);
    pending.accepted(r.id(), 5, 1);
    pending.applied(5, 2, "someone else's result");
    assertThatThrownBy(() -> r.sink().asMono().block(Duration.ZERO))
        .isInstanceOf(EntryOverwrittenException.class);
    assertThat(pending.size()).isZero();
  }

  @Test
  void resultReachesTheCallerWhoseEntryApplied() {
    PendingRequests<String> pending = new PendingRequests<>(10, 1 << 20);
    PendingRequests.Request<String> r = pending.reserve(3, 0, T);
    pending.proposed(r);
    pending.accepted(r.id(), 5, 2);
    pending.applied(5, 2, "mine");
    assertThat(r.sink().asMono().block(Duration.ZERO)).isEqualTo("mine");
  }

  @Test
  void stepDownFailsOnlyWhatIsAboveTheCommitIndex() {
    PendingRequests<String> pending = new PendingRequests<>(10, 1 << 20);
    PendingRequests.Request<String> committed = pending.reserve(1, 0, T);
    PendingRequests.Request<String> uncommitted = pending.reserve(1, 0, T);
    pending.proposed(committed);
    pending.proposed(uncommitted);
    pending.accepted(committed.id(), 4, 1);
    pending.accepted(uncommitted.id(), 5, 1);
    pending.failAbove(4, i -> new LeadershipLostException("n1", i, 1));
    pending.applied(4, 1, "ok");
    assertThat(committed.sink().asMono().block(Duration.ZERO)).isEqualTo("ok");
    assertThatThrownBy(() -> uncommitted.sink().asMono().block(Duration.ZERO))
        .isInstanceOf(LeadershipLostException.class);
  }

  @Test
  void reservationsAreBoundedByCountAndBytesAndFreedOnCompletion() {
    PendingRequests<String> pending = new PendingRequests<>(2, 2048);
    PendingRequests.Request<String> a = pending.reserve(1000, 0, T);
    assertThatThrownBy(() -> pending.reserve(1100, 0, T)).isInstanceOf(OverloadedException.class);
    PendingRequests.Request<String> b = pending.reserve(10, 0, T);
    assertThatThrownBy(() -> pending.reserve(1, 0, T)).isInstanceOf(OverloadedException.class);
    pending.abandon(a);
    pending.abandon(a); // releasing twice frees once
    assertThat(pending.size()).isEqualTo(1);
    pending.reserve(1, 0, T);
    assertThat(pending.size()).isEqualTo(2);
    pending.abandon(b);
  }
}
