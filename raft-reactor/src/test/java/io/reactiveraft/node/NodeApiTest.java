package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.CommandTimeoutException;
import io.reactiveraft.InvalidCommandException;
import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.NodeClosedException;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.OverloadedException;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.RaftNode;
import io.reactiveraft.testing.VirtualCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What a caller sees at the API: typed errors, no hangs, close semantics. */
class NodeApiTest {

  private static <T> Throwable errorOf(
      VirtualCluster cluster, reactor.core.publisher.Mono<T> mono) {
    List<Throwable> errors = new ArrayList<>();
    mono.subscribe(v -> {}, errors::add);
    cluster.advanceUntil(() -> !errors.isEmpty(), Duration.ofSeconds(10), "an error");
    return errors.get(0);
  }

  @Test
  void nullCommandIsAnInvalidArgument() {
    try (VirtualCluster cluster = new VirtualCluster(1, 1)) {
      String leader = cluster.awaitLeader();
      assertThat(errorOf(cluster, cluster.node(leader).submit(null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("null");
      assertThat(errorOf(cluster, cluster.node(leader).submit("x", Duration.ZERO)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("timeout");
    }
  }

  @Test
  void commandLargerThanTheLimitIsRefusedBeforeItReachesTheLog() {
    try (VirtualCluster cluster = new VirtualCluster(1, 8, b -> b.maxCommandBytes(1024))) {
      String leader = cluster.awaitLeader();
      long before = cluster.status(leader).lastLogIndex();
      assertThat(errorOf(cluster, cluster.node(leader).submit("x".repeat(2000))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxCommandBytes");
      assertThat(cluster.status(leader).lastLogIndex()).isEqualTo(before);
      List<String> ok = new ArrayList<>();
      cluster.node(leader).submit("small").subscribe(ok::add);
      cluster.advanceUntil(() -> !ok.isEmpty(), Duration.ofSeconds(1), "the node still works");
    }
  }

  @Test
  void aSessionIdTooLongToKeepInASnapshotIsRefusedAtTheCall() {
    try (VirtualCluster cluster = new VirtualCluster(1, 10)) {
      String leader = cluster.awaitLeader();
      long before = cluster.status(leader).lastLogIndex();
      assertThat(errorOf(cluster, cluster.node(leader).submit("x", "c".repeat(1025), 1)))
          .isInstanceOf(InvalidCommandException.class)
          .hasMessageContaining("clientId of 1025 characters");
      assertThat(cluster.status(leader).lastLogIndex()).isEqualTo(before);
      List<String> ok = new ArrayList<>();
      cluster.node(leader).submit("x", "c".repeat(1024), 1).subscribe(ok::add);
      cluster.advanceUntil(() -> !ok.isEmpty(), Duration.ofSeconds(1), "the longest id taken");
    }
  }

  @Test
  void aTimeoutOfCenturiesMeansNever() {
    try (VirtualCluster cluster = new VirtualCluster(1, 9, b -> b.maxPendingCommands(1))) {
      String leader = cluster.awaitLeader();
      Duration forever = java.time.temporal.ChronoUnit.FOREVER.getDuration();
      List<String> results = new ArrayList<>();
      cluster.node(leader).submit("x", forever).subscribe(results::add);
      cluster.node(leader).read("x", forever).subscribe(results::add);
      cluster.advanceUntil(() -> results.size() == 2, Duration.ofSeconds(1), "both answered");
      // The one pending slot was given back: a second command is not refused as overload.
      cluster.node(leader).submit("y", forever).subscribe(results::add);
      cluster.advanceUntil(() -> results.size() == 3, Duration.ofSeconds(1), "the next one");
    }
  }

  @Test
  void submitOnAFollowerNamesTheLeaderAndItsAddress() {
    try (VirtualCluster cluster = new VirtualCluster(3, 2)) {
      String leader = cluster.awaitLeader();
      String follower = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().get();
      Throwable error = errorOf(cluster, cluster.node(follower).submit("x"));
      assertThat(error).isInstanceOf(NotLeaderException.class);
      NotLeaderException notLeader = (NotLeaderException) error;
      assertThat(notLeader.leaderId()).contains(leader);
      assertThat(notLeader.leaderAddress()).contains("local:" + leader);
      assertThat(notLeader.outcomeUnknown()).isFalse();
    }
  }

  @Test
  void submitAfterCloseFailsAtOnceAndPendingCommandsFailOnClose() {
    AtomicBoolean hookRan = new AtomicBoolean();
    try (VirtualCluster cluster =
        new VirtualCluster(3, 3, b -> b.closeHook(() -> hookRan.set(true)))) {
      String leader = cluster.awaitLeader();
      RaftNode<String, String> node = cluster.node(leader);
      cluster.network().isolate(leader); // nothing can commit now
      List<Throwable> pending = new ArrayList<>();
      node.submit("stuck").subscribe(v -> {}, pending::add);
      cluster.advance(Duration.ofMillis(50));
      assertThat(pending).isEmpty();

      List<Boolean> closed = new ArrayList<>();
      node.close().subscribe(null, null, () -> closed.add(true));
      cluster.advanceUntil(() -> !closed.isEmpty(), Duration.ofSeconds(1), "close completes");
      assertThat(hookRan).isTrue();
      assertThat(pending).singleElement().isInstanceOf(NodeClosedException.class);
      assertThat(errorOf(cluster, node.submit("late")))
          .isInstanceOfSatisfying(
              NodeClosedException.class, e -> assertThat(e.outcomeUnknown()).isFalse());
      assertThat(errorOf(cluster, node.status())).isInstanceOf(NodeClosedException.class);
      // Completed by the close: collecting it ends at once, with the changes seen before.
      assertThat(node.leaderChanges().collectList().block(Duration.ZERO))
          .extracting(LeaderChange::kind)
          .contains(LeaderChange.Kind.BECAME_LEADER);
    }
  }

  @Test
  void commandThatCannotCommitTimesOutWithUnknownOutcome() {
    try (VirtualCluster cluster = new VirtualCluster(3, 4, b -> b.checkQuorum(false))) {
      String leader = cluster.awaitLeader();
      cluster.network().isolate(leader);
      Throwable error = errorOf(cluster, cluster.node(leader).submit("x", Duration.ofMillis(300)));
      assertThat(error).isInstanceOf(CommandTimeoutException.class);
      assertThat(((CommandTimeoutException) error).outcomeUnknown()).isTrue();
    }
  }

  @Test
  void submitBeyondThePendingLimitIsRefusedWithoutQueueing() {
    try (VirtualCluster cluster =
        new VirtualCluster(3, 5, b -> b.maxPendingCommands(10).checkQuorum(false))) {
      String leader = cluster.awaitLeader();
      cluster.network().isolate(leader);
      List<Throwable> errors = new ArrayList<>();
      for (int i = 0; i < 11; i++) {
        cluster.node(leader).submit("c" + i).subscribe(v -> {}, errors::add);
      }
      assertThat(errors).singleElement().isInstanceOf(OverloadedException.class);
      cluster.advance(Duration.ofSeconds(5)); // the 10 time out and free their room
      assertThat(errors).hasSize(11);
      List<String> ok = new ArrayList<>();
      cluster.network().heal();
      String now = cluster.awaitLeader();
      cluster.node(now).submit("again").subscribe(ok::add);
      cluster.advanceUntil(() -> !ok.isEmpty(), Duration.ofSeconds(2), "commit after the burst");
    }
  }

  @Test
  void eventsShowWhatTheLoopProcesses() {
    try (VirtualCluster cluster = new VirtualCluster(1, 6)) {
      String leader = cluster.awaitLeader();
      List<RaftEvent> events = new ArrayList<>();
      cluster.node(leader).events().subscribe(events::add);
      cluster.node(leader).submit("x").subscribe();
      cluster.advance(Duration.ofMillis(50));
      assertThat(events).anyMatch(e -> e instanceof RaftEvent.CommandProposed);
      assertThat(events).anyMatch(e -> e instanceof RaftEvent.LogDurable);
      assertThat(events).anyMatch(e -> e instanceof RaftEvent.Tick);
    }
  }

  @Test
  void invalidConfigNamesTheFieldAndTheRule() {
    RaftConfig.Builder<String, String> b = RaftConfig.builder();
    assertThatThrownBy(b::build).hasMessageContaining("members");
    b.members(List.of(new Member("a", "x:1")));
    assertThatThrownBy(b::build).hasMessageContaining("self");
    b.self("z");
    assertThatThrownBy(b::build).hasMessageContaining("self").hasMessageContaining("z");
    assertThatThrownBy(
            () -> b.members(List.of(new Member("a", "x:1"), new Member("a", "y:1"))).build())
        .hasMessageContaining("members")
        .hasMessageContaining("unique");
    assertThatThrownBy(
            () ->
                b.members(List.of(new Member("a", "x:1")))
                    .self("a")
                    .transport(
                        new io.reactiveraft.transport.local.LocalNetwork(
                                reactor.core.scheduler.Schedulers.immediate(), 1)
                            .transport("a"))
                    .logStore(new io.reactiveraft.log.InMemoryLogStore())
                    .stateMachine((i, c) -> c)
                    .codec(new io.reactiveraft.testing.StringCodec())
                    .electionTimeout(Duration.ofMillis(150))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("electionTimeout")
        .hasMessageContaining("twice heartbeatInterval");
    assertThatThrownBy(() -> b.electionTimeout(Duration.ofSeconds(1)).maxInflightAppends(0).build())
        .hasMessageContaining("maxInflightAppends");
    b.maxInflightAppends(4);
    assertThatThrownBy(() -> b.logEntriesInMemory(0).build())
        .hasMessageContaining("logEntriesInMemory");
    // fluree/raft's name sets the same value.
    assertThat(b.entryCacheSize(300).build().logEntriesInMemory()).isEqualTo(300);
    // Followers count whole ticks: 399 ms at 100 ms ticks is 3 ticks, so the lease is
    // 300 ms x 0.9 - 100 ms, within the 200 ms a follower waits at the least after hearing.
    assertThat(
            b.tickInterval(Duration.ofMillis(100))
                .heartbeatInterval(Duration.ofMillis(100))
                .electionTimeout(Duration.ofMillis(399))
                .leaseReads(true)
                .build()
                .lease())
        .isEqualTo(Duration.ofMillis(170));
    b.tickInterval(Duration.ofMillis(10)).leaseReads(false);
    assertThatThrownBy(() -> b.tickInterval(Duration.ofNanos(1000)).build())
        .hasMessageContaining("tickInterval")
        .hasMessageContaining("at least 1 ms");
    b.tickInterval(Duration.ofMillis(10));
    assertThatThrownBy(() -> b.electionTimeout(Duration.ofDays(200)).build())
        .hasMessageContaining("electionTimeout")
        .hasMessageContaining("at most 1 hour");
    b.electionTimeout(Duration.ofMillis(399));
    assertThatThrownBy(() -> b.maxPendingBytes(1 << 20).maxCommandBytes(4 << 20).build())
        .hasMessageContaining("maxPendingBytes")
        .hasMessageContaining("at least maxCommandBytes");
    b.maxPendingBytes(64 << 20);
    assertThatThrownBy(
            () -> b.members(List.of(new Member("a", "x:1"), new Member("b", "x:1"))).build())
        .hasMessageContaining("addresses must be unique");
    b.members(List.of(new Member("a", "x:1")));
    assertThatThrownBy(() -> b.logHistory(1).build())
        .hasMessageContaining("logHistory")
        .hasMessageContaining(">= 2");
    b.logHistory(2);
    assertThatThrownBy(() -> new Member("has space", "x:1")).hasMessageContaining("whitespace");
    assertThat(Member.parse("n1=127.0.0.1:7001")).isEqualTo(new Member("n1", "127.0.0.1:7001"));
  }
}
