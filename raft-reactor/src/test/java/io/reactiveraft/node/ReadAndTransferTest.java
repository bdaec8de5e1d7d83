package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.MembershipChangeException;
import io.reactiveraft.MembershipChangeException.Reason;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.Role;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.TimeoutNow;
import io.reactiveraft.testing.VirtualCluster;
import io.reactiveraft.transport.local.LinkRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Linearizable reads (ReadIndex, leases) and leadership transfer on whole nodes. */
class ReadAndTransferTest {

  private static final Duration MAX = Duration.ofSeconds(10);

  /** The first node, in id order, other than {@code leader}. */
  private static String aFollower(VirtualCluster cluster, String leader) {
    return cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
  }

  /** Starts a transfer; its outcome lands in the list: "done", or the error. */
  private static List<Object> startTransfer(VirtualCluster cluster, String leader, String target) {
    List<Object> transfer = new ArrayList<>();
    cluster
        .node(leader)
        .transferLeadership(target)
        .subscribe(null, transfer::add, () -> transfer.add("done"));
    return transfer;
  }

  private static List<Object> run(VirtualCluster cluster, Mono<?> mono) {
    List<Object> out = new ArrayList<>();
    mono.subscribe(
        out::add,
        out::add,
        () -> {
          if (out.isEmpty()) {
            out.add("done");
          }
        });
    cluster.advanceUntil(() -> !out.isEmpty(), MAX, "an outcome");
    return out;
  }

  @Test
  void readSeesEveryWriteThatCompletedBeforeItWithoutWritingTheLog() {
    try (VirtualCluster cluster = new VirtualCluster(3, 41)) {
      String leader = cluster.awaitLeader();
      run(cluster, cluster.node(leader).submit("w1"));
      long logBefore = cluster.status(leader).lastLogIndex();
      List<Object> read = run(cluster, cluster.node(leader).read("query"));
      // RecordingStateMachine answers a query with how many commands it applied.
      assertThat(read).containsExactly("applied=1");
      assertThat(cluster.status(leader).lastLogIndex()).isEqualTo(logBefore);
    }
  }

  @Test
  void readOnAFollowerAsksTheLeaderForAReadIndexAndSeesTheLatestWrite() {
    try (VirtualCluster cluster = new VirtualCluster(3, 49)) {
      String leader = cluster.awaitLeader();
      String follower = aFollower(cluster, leader);
      run(cluster, cluster.node(leader).submit("w1"));
      run(cluster, cluster.node(leader).submit("w2"));
      // Read at once: the follower may not know yet that w2 committed; the read index does.
      assertThat(run(cluster, cluster.node(follower).read("q"))).containsExactly("applied=2");
    }
  }

  @Test
  void readOnAFollowerWithoutALeaderFails() {
    try (VirtualCluster cluster = new VirtualCluster(3, 42)) {
      String leader = cluster.awaitLeader();
      String follower = aFollower(cluster, leader);
      cluster.network().isolate(follower);
      cluster.advance(Duration.ofSeconds(2)); // it loses the leader
      assertThat(run(cluster, cluster.node(follower).read("q")))
          .singleElement()
          .isInstanceOf(NotLeaderException.class);
    }
  }

  @Test
  void leaderCutOffWhileAReadIsInFlightNeverAnswersIt() {
    try (VirtualCluster cluster = new VirtualCluster(3, 43)) {
      String leader = cluster.awaitLeader();
      cluster.network().isolate(leader);
      List<Object> out = run(cluster, cluster.node(leader).read("q"));
      assertThat(out).singleElement().isInstanceOf(NotLeaderException.class);
    }
  }

  @Test
  void leaseReadsAnswerWithoutAHeartbeatRound() {
    try (VirtualCluster cluster = new VirtualCluster(3, 44, b -> b.leaseReads(true))) {
      String leader = cluster.awaitLeader();
      run(cluster, cluster.node(leader).submit("w1"));
      cluster.advance(Duration.ofMillis(120)); // a heartbeat round answered: the lease holds
      List<AppendEntriesRequest> sent = new ArrayList<>();
      cluster.observe(
          m -> {
            if (m instanceof AppendEntriesRequest r) {
              sent.add(r);
            }
          });
      List<Object> out = new ArrayList<>();
      cluster.node(leader).read("q").subscribe(out::add);
      cluster.advance(Duration.ofMillis(1));
      assertThat(out).containsExactly("applied=1");
      assertThat(sent).isEmpty();
    }
  }

  @Test
  void transferMovesLeadershipToTheTarget() {
    try (VirtualCluster cluster = new VirtualCluster(3, 45)) {
      String leader = cluster.awaitLeader();
      run(cluster, cluster.node(leader).submit("w1"));
      String target = aFollower(cluster, leader);
      long term = cluster.status(leader).term();
      assertThat(run(cluster, cluster.node(leader).transferLeadership(target)))
          .containsExactly("done");
      assertThat(cluster.status(target).role()).isEqualTo(Role.LEADER);
      assertThat(cluster.status(target).term()).isGreaterThan(term);
      assertThat(run(cluster, cluster.node(target).submit("w2")))
          .singleElement()
          .isInstanceOf(String.class);
    }
  }

  @Test
  void transferThatCannotCompleteRefusesProposalsThenTimesOut() {
    try (VirtualCluster cluster = new VirtualCluster(3, 46)) {
      String leader = cluster.awaitLeader();
      String target = aFollower(cluster, leader);
      cluster.network().isolate(target);
      List<Object> transfer = startTransfer(cluster, leader, target);
      cluster.advance(Duration.ofMillis(20));
      assertThat(run(cluster, cluster.node(leader).submit("refused")))
          .singleElement()
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.TRANSFER_IN_PROGRESS));
      cluster.advanceUntil(() -> !transfer.isEmpty(), MAX, "the transfer is abandoned");
      assertThat(transfer)
          .singleElement()
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.TRANSFER_TIMED_OUT));
      assertThat(run(cluster, cluster.node(leader).submit("accepted again")))
          .singleElement()
          .isInstanceOf(String.class);
      assertThat(run(cluster, cluster.node(leader).transferLeadership("nobody")))
          .singleElement()
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.NOT_A_MEMBER));
    }
  }

  /** A partition that takes only the TimeoutNow: the transfer times out, the leader carries on. */
  @Test
  void aTransferWhoseTimeoutNowIsLostTimesOutAndTheLeaderCarriesOn() {
    try (VirtualCluster cluster = new VirtualCluster(3, 49)) {
      String leader = cluster.awaitLeader();
      run(cluster, cluster.node(leader).submit("w1"));
      String target = aFollower(cluster, leader);
      long term = cluster.status(leader).term();
      cluster.network().addRule(LinkRule.drop(leader, target, TimeoutNow.class, 1.0));
      List<Object> transfer = startTransfer(cluster, leader, target);
      cluster.advanceUntil(() -> !transfer.isEmpty(), MAX, "the transfer is abandoned");

      assertThat(transfer)
          .singleElement()
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.TRANSFER_TIMED_OUT));
      assertThat(cluster.status(leader).role()).isEqualTo(Role.LEADER);
      assertThat(cluster.status(leader).term()).as("nobody campaigned").isEqualTo(term);
      assertThat(cluster.status(target).term()).isEqualTo(term);
      assertThat(run(cluster, cluster.node(leader).submit("accepted again")))
          .singleElement()
          .isInstanceOf(String.class);
    }
  }

  @Test
  void transferToALaggingTargetWaitsUntilItHasTheLog() {
    try (VirtualCluster cluster = new VirtualCluster(3, 47)) {
      String leader = cluster.awaitLeader();
      String target = aFollower(cluster, leader);
      cluster.network().isolate(target);
      for (int i = 0; i < 20; i++) {
        cluster.node(leader).submit("w" + i).subscribe();
      }
      cluster.advance(Duration.ofMillis(100));
      List<Object> transfer = startTransfer(cluster, leader, target);
      cluster.advance(Duration.ofMillis(50));
      cluster.network().rejoin(target);
      cluster.advanceUntil(() -> !transfer.isEmpty(), MAX, "transfer completes");
      assertThat(transfer).containsExactly("done");
      assertThat(cluster.stateMachine(target).applied()).hasSize(20);
    }
  }

  @Test
  void oldLeaderCutOffDuringATransferDoesNotHangIt() {
    try (VirtualCluster cluster = new VirtualCluster(3, 48)) {
      String leader = cluster.awaitLeader();
      run(cluster, cluster.node(leader).submit("w1"));
      String target = aFollower(cluster, leader);
      List<Object> transfer = startTransfer(cluster, leader, target);
      cluster.advance(Duration.ofMillis(3)); // TimeoutNow is on its way
      cluster.network().isolate(leader);
      List<String> others = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
      String next = cluster.awaitLeader(others, MAX);
      assertThat(next).isEqualTo(target);
      cluster.advanceUntil(() -> !transfer.isEmpty(), MAX, "the transfer ends one way or another");
      cluster.network().heal();
      cluster.advanceUntil(
          () -> cluster.ids().stream().allMatch(id -> target.equals(cluster.status(id).leader())),
          MAX,
          "everyone follows the target");
    }
  }

  @Test
  void submitOnAFollowerIsForwardedToTheLeaderWhenForwardingIsOn() {
    try (VirtualCluster cluster = new VirtualCluster(3, 50, b -> b.forwardToLeader(true))) {
      String leader = cluster.awaitLeader();
      String follower = aFollower(cluster, leader);
      List<Object> out = run(cluster, cluster.node(follower).submit("via-follower"));
      assertThat(out).singleElement().asString().endsWith(":via-follower");
      assertThat(cluster.stateMachine(leader).applied()).containsExactly("via-follower");
      // Forwarded commands keep their session: a resend through another follower applies once.
      String other =
          cluster.ids().stream()
              .filter(id -> !id.equals(leader) && !id.equals(follower))
              .findFirst()
              .orElseThrow();
      List<Object> first = run(cluster, cluster.node(follower).submit("once", "c1", 1));
      List<Object> resent = run(cluster, cluster.node(other).submit("once", "c1", 1));
      assertThat(first).singleElement().asString().endsWith(":once");
      assertThat(resent).as("the first result, not a second apply").isEqualTo(first);
      cluster.advance(Duration.ofMillis(200));
      assertThat(cluster.stateMachine(leader).applied()).containsExactly("via-follower", "once");
    }
  }

  @Test
  void forwardedCommandWithNoLeaderKnownFails() {
    try (VirtualCluster cluster = new VirtualCluster(3, 51, b -> b.forwardToLeader(true))) {
      String leader = cluster.awaitLeader();
      String follower = aFollower(cluster, leader);
      cluster.network().isolate(follower);
      cluster.advance(Duration.ofSeconds(2));
      // Its election timer fired long ago: it knows no leader to forward to, and says so at once.
      assertThat(run(cluster, cluster.node(follower).submit("x", Duration.ofMillis(500))))
          .singleElement()
          .isInstanceOfSatisfying(
              NotLeaderException.class,
              e -> {
                assertThat(e.leaderId()).isEmpty();
                assertThat(e.outcomeUnknown()).isFalse();
              });
    }
  }
}
