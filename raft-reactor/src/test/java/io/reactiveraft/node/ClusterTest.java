package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.LeadershipLostException;
import io.reactiveraft.OutcomeUnknownException;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.Role;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.testing.VirtualCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whole nodes (pipeline and core) on virtual time over the in-JVM transport. */
class ClusterTest {

  @Test
  void singleNodeClusterElectsItselfAndCommits() {
    try (VirtualCluster cluster = new VirtualCluster(1, 7)) {
      String leader = cluster.awaitLeader();
      List<String> results = new ArrayList<>();
      cluster.node(leader).submit("hello").subscribe(results::add);
      cluster.advanceUntil(() -> !results.isEmpty(), Duration.ofSeconds(1), "commit");
      assertThat(results).containsExactly("2:hello"); // entry 1 is the leader's no-op
      assertThat(cluster.stateMachine(leader).applied()).containsExactly("hello");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 5})
  void electsExactlyOneLeaderPerTerm(int size) {
    for (long seed = 1; seed <= 10; seed++) {
      try (VirtualCluster cluster = new VirtualCluster(size, seed)) {
        String leader = cluster.awaitLeader();
        cluster.advance(Duration.ofSeconds(5));
        assertThat(cluster.leaders()).containsExactly(leader);
        Map<Long, String> leaderOfTerm = new HashMap<>();
        for (LeaderChange c : cluster.leaderChanges()) {
          if (c.kind() == LeaderChange.Kind.BECAME_LEADER) {
            String previous = leaderOfTerm.putIfAbsent(c.term(), c.leader());
            assertThat(previous).as("term %d, seed %d", c.term(), seed).isIn(null, c.leader());
          }
        }
        long term = cluster.status(leader).term();
        for (String id : cluster.ids()) {
          RaftStatus s = cluster.status(id);
          assertThat(s.term()).isEqualTo(term);
          assertThat(s.leader()).isEqualTo(leader);
        }
      }
    }
  }

  @Test
  void tenThousandSubmitsApplyInTheSameOrderEverywhereAndEachGetsItsResult() {
    int count = 10_000;
    try (VirtualCluster cluster = new VirtualCluster(3, 42)) {
      String leader = cluster.awaitLeader();
      AtomicInteger maxBatch = new AtomicInteger();
      cluster.observe(
          m -> {
            if (m instanceof AppendEntriesRequest r) {
              maxBatch.accumulateAndGet(r.entries().size(), Math::max);
            }
          });
      Map<String, String> results = Collections.synchronizedMap(new HashMap<>());
      List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
      for (int i = 0; i < count; i++) {
        String command = "c" + i;
        cluster.node(leader).submit(command).subscribe(r -> results.put(command, r), errors::add);
      }
      cluster.advanceUntil(
          () -> results.size() + errors.size() == count, Duration.ofSeconds(60), "all results");
      assertThat(errors).isEmpty();
      results.forEach((command, result) -> assertThat(result).endsWith(":" + command));

      long lastIndex = cluster.status(leader).lastLogIndex();
      cluster.advanceUntil(
          () ->
              cluster.ids().stream().allMatch(id -> cluster.status(id).lastApplied() == lastIndex),
          Duration.ofSeconds(5),
          "followers applied everything");
      List<String> leaderApplied = cluster.stateMachine(leader).applied();
      assertThat(leaderApplied).hasSize(count);
      for (String id : cluster.ids()) {
        assertThat(cluster.stateMachine(id).applied()).as(id).isEqualTo(leaderApplied);
      }
      assertThat(maxBatch.get()).as("entries in the largest AppendEntries").isGreaterThan(1);
    }
  }

  @Test
  void isolatedLeaderIsReplacedAndItsPendingCommandsFailWithUnknownOutcome() {
    try (VirtualCluster cluster = new VirtualCluster(3, 3)) {
      String old = cluster.awaitLeader();
      List<String> committed = new ArrayList<>();
      cluster.node(old).submit("before").subscribe(committed::add);
      cluster.advanceUntil(() -> committed.size() == 1, Duration.ofSeconds(1), "first commit");
      long oldTerm = cluster.status(old).term();

      cluster.network().isolate(old);
      List<Throwable> doomed = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        cluster.node(old).submit("doomed-" + i).subscribe(r -> {}, doomed::add);
      }
      List<String> others = cluster.ids().stream().filter(id -> !id.equals(old)).toList();
      String next = cluster.awaitLeader(others, Duration.ofSeconds(5));
      cluster.advanceUntil(
          () -> cluster.status(old).role() != Role.LEADER,
          Duration.ofSeconds(2),
          "old leader steps down");
      cluster.advanceUntil(
          () -> doomed.size() == 5, Duration.ofSeconds(1), "pending commands fail");
      assertThat(doomed)
          .allMatch(e -> e instanceof LeadershipLostException)
          .allMatch(e -> ((OutcomeUnknownException) e).outcomeUnknown());
      assertThat(cluster.status(next).term()).isGreaterThan(oldTerm);

      cluster.node(next).submit("after").subscribe(committed::add);
      cluster.advanceUntil(
          () -> committed.size() == 2, Duration.ofSeconds(1), "commit under new leader");

      cluster.network().heal();
      cluster.advanceUntil(
          () -> cluster.ids().stream().allMatch(id -> next.equals(cluster.status(id).leader())),
          Duration.ofSeconds(5),
          "old leader rejoins");
      RaftStatus reference = cluster.status(next);
      cluster.advanceUntil(
          () ->
              cluster.ids().stream()
                  .allMatch(id -> cluster.status(id).lastApplied() == reference.lastLogIndex()),
          Duration.ofSeconds(5),
          "everyone applies the same log");
      for (String id : cluster.ids()) {
        RaftStatus s = cluster.status(id);
        assertThat(s.lastLogIndex()).isEqualTo(reference.lastLogIndex());
        assertThat(s.lastLogTerm()).isEqualTo(reference.lastLogTerm());
        assertThat(cluster.stateMachine(id).applied()).containsExactly("before", "after");
      }
    }
  }

  @Test
  void leaderStatusShowsFollowerProgress() {
    try (VirtualCluster cluster = new VirtualCluster(3, 11)) {
      String leader = cluster.awaitLeader();
      cluster.advance(Duration.ofMillis(300));
      RaftStatus s = cluster.status(leader);
      assertThat(s.role()).isEqualTo(Role.LEADER);
      assertThat(s.members()).hasSize(3);
      assertThat(s.followers()).hasSize(2);
      s.followers().values().forEach(p -> assertThat(p.matchIndex()).isEqualTo(s.lastLogIndex()));
      assertThat(s.votedFor()).isEqualTo(leader);
    }
  }

  @Test
  void lateSubscriberToLeaderChangesLearnsTheCurrentLeaderFirst() {
    try (VirtualCluster cluster = new VirtualCluster(3, 5)) {
      String leader = cluster.awaitLeader();
      for (String id : cluster.ids()) {
        LeaderChange first = cluster.node(id).leaderChanges().blockFirst(Duration.ZERO);
        assertThat(first.leader()).isEqualTo(leader);
      }
    }
  }
}
