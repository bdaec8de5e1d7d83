package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.ClientSession;
import io.reactiveraft.OutcomeUnknownException;
import io.reactiveraft.SessionExpiredException;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.testing.ClockAheadScheduler;
import io.reactiveraft.testing.VirtualCluster;
import io.reactiveraft.transport.local.LinkRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;

/** Client sessions on whole nodes: resent commands apply once. */
class SessionTest {

  private static long count(List<String> applied, String command) {
    return applied.stream().filter(command::equals).count();
  }

  @Test
  void resentCommandAppliesOnceAndReturnsTheFirstResult() {
    try (VirtualCluster cluster = new VirtualCluster(3, 31)) {
      String leader = cluster.awaitLeader();
      List<String> results = new ArrayList<>();
      cluster.node(leader).submit("once", "client-1", 1).subscribe(results::add);
      cluster.advanceUntil(() -> results.size() == 1, Duration.ofSeconds(2), "first");
      cluster.node(leader).submit("once", "client-1", 1).subscribe(results::add);
      cluster.advanceUntil(() -> results.size() == 2, Duration.ofSeconds(2), "resend");
      assertThat(results.get(1)).isEqualTo(results.get(0));
      assertThat(count(cluster.stateMachine(leader).applied(), "once")).isEqualTo(1);
    }
  }

  @Test
  void commandResentToANewLeaderAfterLosingTheOldOneAppliesOnce() {
    try (VirtualCluster cluster = new VirtualCluster(3, 32)) {
      String old = cluster.awaitLeader();
      // The old leader gets the command to every follower but hears none of their answers, so
      // it never learns the command committed; then it is cut off.
      List<Throwable> errors = new ArrayList<>();
      List<String> results = Collections.synchronizedList(new ArrayList<>());
      List<String> others = cluster.ids().stream().filter(id -> !id.equals(old)).toList();
      cluster.network().addRule(LinkRule.drop(null, old, AppendEntriesResponse.class, 1.0));
      cluster.node(old).submit("move", "client-2", 1).subscribe(results::add, errors::add);
      long index = cluster.status(old).lastLogIndex();
      cluster.advanceUntil(
          () -> others.stream().allMatch(id -> cluster.status(id).lastLogIndex() >= index),
          Duration.ofSeconds(2),
          "the followers store the command");
      cluster.network().isolate(old);
      cluster.network().clearRules();
      String next = cluster.awaitLeader(others, Duration.ofSeconds(5));
      // The resend below must meet the first copy: the new leader holds it and commits it.
      cluster.advanceUntil(
          () -> count(cluster.stateMachine(next).applied(), "move") == 1,
          Duration.ofSeconds(5),
          "the new leader applies the command the old one replicated");
      cluster.advanceUntil(
          () -> !errors.isEmpty(), Duration.ofSeconds(5), "the old leader gives up");
      assertThat(errors).singleElement().isInstanceOf(OutcomeUnknownException.class);
      assertThat(results).isEmpty();
      cluster.node(next).submit("move", "client-2", 1).subscribe(results::add, errors::add);
      cluster.advanceUntil(
          () -> !results.isEmpty(), Duration.ofSeconds(5), "resent command completes");
      cluster.network().heal();
      cluster.advance(Duration.ofSeconds(1));
      for (String id : cluster.ids()) {
        assertThat(count(cluster.stateMachine(id).applied(), "move")).as(id).isLessThanOrEqualTo(1);
      }
      assertThat(count(cluster.stateMachine(next).applied(), "move")).isEqualTo(1);
    }
  }

  @Test
  void clientSessionResendsAnUnknownOutcomeWithTheSameSequenceAndItAppliesOnce() {
    try (VirtualCluster cluster =
        new VirtualCluster(
            3, 33, b -> b.checkQuorum(false).defaultCommandTimeout(Duration.ofMillis(300)))) {
      String leader = cluster.awaitLeader();
      ClientSession<String, String> session =
          new ClientSession<>(
              cluster.node(leader), "client-3", 5, Duration.ofMillis(200), cluster.scheduler());
      long before = cluster.status(leader).lastLogIndex();
      // Nothing commits, and no other node can win an election: the leader stays, waiting.
      cluster.ids().forEach(cluster.network()::isolate);
      List<String> results = new ArrayList<>();
      List<Throwable> errors = new ArrayList<>();
      session.submit("a").subscribe(results::add, errors::add);
      cluster.advanceUntil(
          () -> cluster.status(leader).lastLogIndex() >= before + 2,
          Duration.ofSeconds(2),
          "the first attempt times out and the second is appended");
      assertThat(results).isEmpty();

      cluster.network().heal();
      cluster.advanceUntil(
          () -> !results.isEmpty() || !errors.isEmpty(), Duration.ofSeconds(5), "an answer");
      assertThat(errors).isEmpty();
      session.submit("b").subscribe(results::add, errors::add);
      cluster.advanceUntil(() -> results.size() == 2, Duration.ofSeconds(5), "the next command");
      cluster.advance(Duration.ofSeconds(1));
      for (String id : cluster.ids()) {
        assertThat(cluster.stateMachine(id).applied()).as(id).containsExactly("a", "b");
      }
    }
  }

  @Test
  void commandOfAnExpiredSessionIsRefused() {
    try (VirtualCluster cluster =
        new VirtualCluster(1, 34, b -> b.sessionTimeout(Duration.ofMillis(500)))) {
      String leader = cluster.awaitLeader();
      List<Object> out = new ArrayList<>();
      cluster.node(leader).submit("x", "sleepy", 1).subscribe(out::add, out::add);
      cluster.advanceUntil(() -> out.size() == 1, Duration.ofSeconds(2), "first");
      cluster.advance(Duration.ofSeconds(2));
      cluster.node(leader).submit("keep-time-moving", "other", 1).subscribe(out::add, out::add);
      cluster.advanceUntil(() -> out.size() == 2, Duration.ofSeconds(2), "other session");
      cluster.node(leader).submit("y", "sleepy", 2).subscribe(out::add, out::add);
      cluster.advanceUntil(() -> out.size() == 3, Duration.ofSeconds(2), "expired");
      assertThat(out.get(2)).isInstanceOf(SessionExpiredException.class);
      assertThat(cluster.stateMachine(leader).applied()).doesNotContain("y");
    }
  }

  /**
   * Log time is the leaders' clocks: a session command a follower forwards carries the leader's
   * clock into the log, not the follower's. With the follower's an hour ahead in the log, every
   * session idle for more than the timeout would expire at once.
   */
  @Test
  void aFollowerWhoseClockRunsAheadDoesNotExpireSessionsThroughWhatItForwards() {
    Duration sessionTimeout = Duration.ofSeconds(10);
    try (VirtualCluster cluster =
        new VirtualCluster(
            3,
            35,
            (id, b) -> {
              b.sessionTimeout(sessionTimeout).forwardToLeader(true);
              if (!id.equals("n3")) {
                return b;
              }
              Scheduler virtualTime = b.build().scheduler().orElseThrow(); // the cluster's
              return b.scheduler(new ClockAheadScheduler(virtualTime, Duration.ofHours(1)));
            })) {
      String leader = cluster.awaitLeaderOtherThan("n3");
      List<Object> out = new ArrayList<>();
      cluster.node(leader).submit("a1", "alice", 1).subscribe(out::add, out::add);
      cluster.advanceUntil(() -> out.size() == 1, Duration.ofSeconds(2), "alice's first");
      cluster.node("n3").submit("b1", "bob", 1).subscribe(out::add, out::add);
      cluster.advanceUntil(() -> out.size() == 2, Duration.ofSeconds(2), "bob's, forwarded");
      cluster.advance(Duration.ofSeconds(1));
      cluster.node(leader).submit("a2", "alice", 2).subscribe(out::add, out::add);
      cluster.advanceUntil(() -> out.size() == 3, Duration.ofSeconds(2), "alice's second");

      assertThat(out).noneMatch(Throwable.class::isInstance);
      cluster.advanceUntil(
          () ->
              cluster.ids().stream().allMatch(id -> cluster.stateMachine(id).applied().size() == 3),
          Duration.ofSeconds(2),
          "every node applies the three");
      for (String id : cluster.ids()) {
        assertThat(cluster.stateMachine(id).applied()).as(id).containsSubsequence("a1", "b1", "a2");
      }
    }
  }
}
