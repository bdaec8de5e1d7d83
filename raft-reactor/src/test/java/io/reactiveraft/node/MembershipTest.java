package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import io.reactiveraft.MembershipChangeException;
import io.reactiveraft.MembershipChangeException.Reason;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.Role;
import io.reactiveraft.testing.VirtualCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Membership changes on whole nodes, on virtual time. */
class MembershipTest {

  private static final Duration MAX = Duration.ofSeconds(20);

  /** Runs a change to completion; returns its error, or null when it succeeded. */
  private static Throwable await(VirtualCluster cluster, Mono<Void> change) {
    List<Object> outcome = new ArrayList<>();
    change.subscribe(null, outcome::add, () -> outcome.add("done"));
    cluster.advanceUntil(() -> !outcome.isEmpty(), MAX, "the change completes");
    return outcome.get(0) instanceof Throwable t ? t : null;
  }

  private static List<String> ids(List<Member> members) {
    return members.stream().map(Member::id).toList();
  }

  /** A steady trickle of commands, to change membership under load. */
  private static List<String> load(VirtualCluster cluster, List<Throwable> errors) {
    List<String> done = Collections.synchronizedList(new ArrayList<>());
    int[] n = {0};
    String[] target = {cluster.leaders().get(0)};
    cluster
        .scheduler()
        .schedulePeriodically(
            () ->
                cluster
                    .node(target[0])
                    .submit("load-" + n[0]++)
                    .subscribe(
                        done::add,
                        e -> {
                          if (e instanceof NotLeaderException nl) {
                            nl.leaderId().ifPresent(l -> target[0] = l);
                          } else {
                            errors.add(e);
                          }
                        }),
            5,
            5,
            TimeUnit.MILLISECONDS);
    return done;
  }

  @Test
  void growsFromThreeToFiveAndShrinksBackUnderLoad() {
    try (VirtualCluster cluster = new VirtualCluster(3, 21)) {
      String leader = cluster.awaitLeader();
      List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
      List<String> done = load(cluster, errors);
      cluster.advance(Duration.ofMillis(200));
      for (String id : List.of("n4", "n5")) {
        cluster.startJoining(id);
        assertThat(await(cluster, cluster.node(leader).addServer(new Member(id, "local:" + id))))
            .isNull();
      }
      assertThat(ids(cluster.status(leader).members()))
          .containsExactlyInAnyOrder("n1", "n2", "n3", "n4", "n5");
      cluster.advance(Duration.ofMillis(300));
      for (String id : List.of("n5", "n4")) {
        assertThat(await(cluster, cluster.node(leader).removeServer(id))).isNull();
      }
      assertThat(ids(cluster.status(leader).members())).containsExactlyInAnyOrder("n1", "n2", "n3");
      int before = done.size();
      cluster.advance(Duration.ofMillis(300));
      assertThat(done.size()).isGreaterThan(before);
      assertThat(errors).isEmpty();
      long last = cluster.status(leader).lastLogIndex();
      cluster.advanceUntil(
          () ->
              List.of("n1", "n2", "n3").stream()
                  .allMatch(id -> cluster.status(id).lastApplied() >= last),
          MAX,
          "voters apply everything");
      List<String> reference = cluster.stateMachine(leader).applied();
      for (String id : List.of("n1", "n2", "n3")) {
        List<String> applied = cluster.stateMachine(id).applied();
        assertThat(applied).isEqualTo(reference.subList(0, applied.size()));
      }
      // The servers that joined late applied the same commands from the start of the log.
      List<String> n4 = cluster.stateMachine("n4").applied();
      assertThat(n4).isEqualTo(reference.subList(0, n4.size())).isNotEmpty();
    }
  }

  @Test
  void replacesANode() {
    try (VirtualCluster cluster = new VirtualCluster(3, 22)) {
      String leader = cluster.awaitLeader();
      String victim =
          cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      cluster.startJoining("n4");
      assertThat(await(cluster, cluster.node(leader).addServer(new Member("n4", "local:n4"))))
          .isNull();
      assertThat(await(cluster, cluster.node(leader).removeServer(victim))).isNull();
      assertThat(ids(cluster.status(leader).members()))
          .doesNotContain(victim)
          .contains("n4")
          .hasSize(3);
      cluster.network().isolate(victim);
      List<String> ok = new ArrayList<>();
      cluster.node(leader).submit("after-replace").subscribe(ok::add);
      cluster.advanceUntil(() -> !ok.isEmpty(), MAX, "commit without the replaced node");
    }
  }

  @Test
  void removedLeaderStepsDownAndTheRestElectANewOne() {
    try (VirtualCluster cluster = new VirtualCluster(3, 23)) {
      String leader = cluster.awaitLeader();
      Throwable removal = await(cluster, cluster.node(leader).removeServer(leader));
      assertThat(removal).isNull();
      List<String> rest = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
      String next = cluster.awaitLeader(rest, MAX);
      assertThat(next).isNotEqualTo(leader);
      cluster.advance(Duration.ofSeconds(3));
      assertThat(cluster.status(leader).role()).isNotEqualTo(Role.LEADER);
      assertThat(cluster.leaders()).containsExactly(cluster.awaitLeader(rest, MAX));
      List<String> ok = new ArrayList<>();
      cluster.node(next).submit("after-removal").subscribe(ok::add);
      cluster.advanceUntil(() -> !ok.isEmpty(), MAX, "commit with two voters");
    }
  }

  @Test
  void learnerReceivesTheLogButNeverCountsTowardQuorum() {
    try (VirtualCluster cluster = new VirtualCluster(3, 24)) {
      String leader = cluster.awaitLeader();
      cluster.startJoining("n4");
      assertThat(await(cluster, cluster.node(leader).addLearner(new Member("n4", "local:n4"))))
          .isNull();
      RaftStatus s = cluster.status(leader);
      assertThat(ids(s.learners())).containsExactly("n4");
      assertThat(ids(s.members())).doesNotContain("n4");
      List<String> ok = new ArrayList<>();
      cluster.node(leader).submit("x").subscribe(ok::add);
      cluster.advanceUntil(
          () -> cluster.stateMachine("n4").applied().contains("x"), MAX, "learner applies");

      for (String id : cluster.ids()) {
        if (!id.equals(leader) && !id.equals("n4")) {
          cluster.network().isolate(id); // leader + learner are 2 of 4 members, 1 of 3 voters
        }
      }
      List<Throwable> failed = new ArrayList<>();
      cluster.node(leader).submit("y", Duration.ofMillis(400)).subscribe(ok::add, failed::add);
      cluster.advanceUntil(() -> !failed.isEmpty(), MAX, "no commit with only the learner");
      assertThat(ok).hasSize(1).allMatch(r -> r.endsWith(":x"));
    }
  }

  @Test
  void serverThatNeverCatchesUpIsRemovedAndTheChangeFails() {
    try (VirtualCluster cluster = new VirtualCluster(3, 25, b -> b.catchUpRounds(2))) {
      String leader = cluster.awaitLeader();
      Throwable error =
          await(cluster, cluster.node(leader).addServer(new Member("n9", "local:n9")));
      assertThat(error)
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.CATCH_UP_FAILED));
      cluster.advanceUntil(
          () -> !cluster.status(leader).learners().stream().anyMatch(m -> m.id().equals("n9")),
          MAX,
          "the learner is removed again");
      assertThat(ids(cluster.status(leader).members())).hasSize(3);
    }
  }

  /**
   * A learner becomes a voter through addServer: the way to finish an addition that a leader change
   * cut short after its learner entry committed, since the new leader knows nothing of the catch-up
   * under way.
   */
  @Test
  void addServerPromotesALearnerOnceItCatchesUp() {
    try (VirtualCluster cluster = new VirtualCluster(3, 27)) {
      String leader = cluster.awaitLeader();
      cluster.startJoining("n4");
      Member n4 = new Member("n4", "local:n4");
      assertThat(await(cluster, cluster.node(leader).addLearner(n4))).isNull();
      assertThat(ids(cluster.status(leader).learners())).containsExactly("n4");

      assertThat(await(cluster, cluster.node(leader).addServer(new Member("n4", "local:other"))))
          .as("the same id at another address is another server")
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.ALREADY_MEMBER));
      assertThat(await(cluster, cluster.node(leader).addServer(n4))).isNull();
      assertThat(ids(cluster.status(leader).members())).contains("n4");
      assertThat(cluster.status(leader).learners()).isEmpty();
      assertThat(await(cluster, cluster.node(leader).addServer(n4)))
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.ALREADY_MEMBER));
    }
  }

  /**
   * A learner whose promotion is refused for want of catching up was a learner before, and stays
   * one: addServer must not remove a read replica the operator added on purpose.
   */
  @Test
  void aLearnerThatFailsToCatchUpForItsPromotionStaysALearner() {
    try (VirtualCluster cluster = new VirtualCluster(3, 28, b -> b.catchUpRounds(1))) {
      String leader = cluster.awaitLeader();
      Member n4 = new Member("n4", "local:n4"); // never started: it never answers
      assertThat(await(cluster, cluster.node(leader).addLearner(n4))).isNull();

      assertThat(await(cluster, cluster.node(leader).addServer(n4)))
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.CATCH_UP_FAILED));
      cluster.advance(Duration.ofMillis(500));
      assertThat(ids(cluster.status(leader).learners())).containsExactly("n4");
    }
  }

  /**
   * A transfer holds the log still, and a learner's round waits with it: the time the transfer took
   * must not count against the learner, which may be on its last round.
   */
  @Test
  void aLearnerIsPromotedAfterATransferThatHeldItsLastRound() {
    try (VirtualCluster cluster = new VirtualCluster(3, 29, b -> b.catchUpRounds(1))) {
      String leader = cluster.awaitLeader();
      List<String> followers = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
      cluster.startJoining("n4");
      cluster.network().isolate("n4"); // behind, so its one round is still running
      List<Object> added = new ArrayList<>();
      cluster
          .node(leader)
          .addServer(new Member("n4", "local:n4"))
          .subscribe(null, added::add, () -> added.add("done"));
      cluster.advanceUntil(
          () -> cluster.status(leader).learners().size() == 1, MAX, "n4 is a learner");
      cluster.advance(Duration.ofMillis(50));

      cluster.network().isolate(followers.get(0)); // the transfer waits for it, then times out
      assertThat(await(cluster, cluster.node(leader).transferLeadership(followers.get(0))))
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.TRANSFER_TIMED_OUT));
      cluster.network().rejoin(followers.get(0));
      cluster.network().rejoin("n4");

      cluster.advanceUntil(() -> !added.isEmpty(), MAX, "the addition ends");
      assertThat(added).containsExactly("done");
      assertThat(ids(cluster.status(leader).members())).contains("n4");
    }
  }

  @Test
  void badRequestsAreRefusedWithTypedErrorsAndChangeNothing() {
    try (VirtualCluster cluster = new VirtualCluster(3, 26)) {
      String leader = cluster.awaitLeader();
      String follower =
          cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      assertThat(
              await(
                  cluster,
                  cluster.node(leader).addServer(new Member(follower, "local:" + follower))))
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.ALREADY_MEMBER));
      assertThat(await(cluster, cluster.node(leader).removeServer("nobody")))
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.NOT_A_MEMBER));
      assertThat(await(cluster, cluster.node(follower).removeServer(leader)))
          .isInstanceOfSatisfying(
              NotLeaderException.class, e -> assertThat(e.leaderId()).contains(leader));

      // A second change while the first is uncommitted (the followers are cut off).
      cluster.network().isolate(leader);
      List<Object> first = new ArrayList<>();
      cluster.node(leader).addLearner(new Member("n7", "local:n7")).subscribe(null, first::add);
      assertThat(await(cluster, cluster.node(leader).addLearner(new Member("n8", "local:n8"))))
          .isInstanceOfSatisfying(
              MembershipChangeException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.CHANGE_IN_PROGRESS));
      assertThat(await(cluster, cluster.node(leader).addServer(null)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void removedNodeThatKeepsCampaigningDoesNotChangeTheLeader() {
    try (VirtualCluster cluster = new VirtualCluster(3, 27)) {
      String leader = cluster.awaitLeader();
      String removed =
          cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      // It never hears of its removal, so it still believes it is a voter and campaigns.
      cluster.network().isolate(removed);
      assertThat(await(cluster, cluster.node(leader).removeServer(removed))).isNull();
      long term = cluster.status(leader).term();
      cluster.advance(Duration.ofSeconds(3));
      cluster.network().heal();
      cluster.advance(Duration.ofSeconds(5));
      assertThat(cluster.status(leader).role()).isEqualTo(Role.LEADER);
      assertThat(cluster.status(leader).term()).isEqualTo(term);
      List<String> ok = new ArrayList<>();
      cluster.node(leader).submit("still leading").subscribe(ok::add);
      cluster.advanceUntil(() -> !ok.isEmpty(), MAX, "commit");
    }
  }
}
