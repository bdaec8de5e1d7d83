package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.Role;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.spi.HardState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Election rules of the Raft paper (section 5.2, 5.4.1) and thesis 9.6, one test per rule. */
class RaftCoreElectionTest {

  private static RaftEvent.MessageReceived vote(
      String from, long term, long lastIndex, long lastTerm) {
    return new RaftEvent.MessageReceived(
        new VoteRequest(from, "a", term, lastIndex, lastTerm, false));
  }

  private static List<VoteResponse> answersTo(CoreNetwork net, String voter, String candidate) {
    return net.sent(VoteResponse.class).stream()
        .filter(r -> r.from().equals(voter) && r.to().equals(candidate) && !r.preVote())
        .toList();
  }

  @Test
  void grantsAtMostOneVotePerTermEvenAcrossRestart() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.handle("a", vote("b", 1, 0, 0));
    net.handle("a", vote("c", 1, 0, 0));
    assertThat(answersTo(net, "a", "b")).singleElement().matches(VoteResponse::granted);
    assertThat(answersTo(net, "a", "c")).singleElement().matches(r -> !r.granted());

    net.restart("a");
    net.handle("a", vote("c", 1, 0, 0));
    assertThat(answersTo(net, "a", "c")).hasSize(2).allMatch(r -> !r.granted());
    net.handle("a", vote("b", 1, 0, 0));
    assertThat(answersTo(net, "a", "b")).hasSize(2).allMatch(VoteResponse::granted);
  }

  @Test
  void voteIsStoredBeforeTheGrantIsSent() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.handle("a", vote("b", 1, 0, 0));
    List<Action> actions = net.node("a").actions;
    int persisted = indexOf(actions, Action.PersistHardState.class);
    int answered = indexOf(actions, Action.Send.class);
    assertThat(persisted).isNotNegative().isLessThan(answered);
    assertThat(net.node("a").hardState).isEqualTo(new HardState(1, "b"));
  }

  @Test
  void candidateStoresItsNewTermBeforeAskingForVotes() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.tick("a", 4 * CoreNetwork.ELECTION_TICKS); // pre-vote, then nobody answers
    net.deliverAll();
    List<Action> actions = net.node("a").actions;
    int persisted = indexOf(actions, Action.PersistHardState.class);
    int firstRealVote = -1;
    for (int i = 0; i < actions.size(); i++) {
      if (actions.get(i) instanceof Action.Send s
          && s.message() instanceof VoteRequest r
          && !r.preVote()) {
        firstRealVote = i;
        break;
      }
    }
    assertThat(firstRealVote).isPositive();
    assertThat(persisted).isNotNegative().isLessThan(firstRealVote);
  }

  @Test
  void refusesCandidateWithLowerLastTerm() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.node("a").stored.addAll(List.of(entry(1, 1), entry(2, 2)));
    net.node("a").hardState = new HardState(2, null);
    net.restart("a");
    net.handle("a", vote("b", 3, 5, 1)); // longer log, older last term
    assertThat(answersTo(net, "a", "b")).singleElement().matches(r -> !r.granted());
  }

  @Test
  void refusesCandidateWithShorterLogOfSameLastTerm() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.node("a").stored.addAll(List.of(entry(1, 1), entry(2, 2)));
    net.node("a").hardState = new HardState(2, null);
    net.restart("a");
    net.handle("a", vote("b", 3, 1, 2));
    assertThat(answersTo(net, "a", "b")).singleElement().matches(r -> !r.granted());
    net.handle("a", vote("c", 4, 1, 3)); // shorter, but a later last term: up to date
    assertThat(answersTo(net, "a", "c")).singleElement().matches(VoteResponse::granted);
  }

  @Test
  void newLeaderAppendsANoopOfItsTermAndCommitsIt() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    RaftCore leader = net.core("a");
    LogEntry last = leader.log().entry(leader.log().lastIndex());
    assertThat(last.type()).isEqualTo(EntryType.NOOP);
    assertThat(last.term()).isEqualTo(leader.term());
    assertThat(leader.commitIndex()).isEqualTo(last.index());
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    for (String id : List.of("b", "c")) {
      assertThat(net.core(id).commitIndex()).isEqualTo(last.index());
      assertThat(net.node(id).applied).containsExactly(last);
    }
  }

  @Test
  void singleVoterElectsItself() {
    CoreNetwork net = new CoreNetwork("solo");
    net.elect("solo");
    assertThat(net.core("solo").commitIndex()).isEqualTo(1);
  }

  @Test
  void preVoteKeepsAPartitionedNodeFromRaisingItsTerm() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    long term = net.core("a").term();
    net.isolate("c");
    tickAll(net, 10 * CoreNetwork.ELECTION_TICKS);
    assertThat(net.core("c").term()).isEqualTo(term);
    assertThat(net.core("c").role()).isIn(Role.FOLLOWER, Role.PRE_CANDIDATE);

    net.heal();
    net.propose("a", "after-heal");
    tickAll(net, 3 * CoreNetwork.ELECTION_TICKS);
    assertThat(net.core("a").role()).isEqualTo(Role.LEADER);
    assertThat(net.core("a").term()).isEqualTo(term);
    assertThat(net.core("c").leaderId()).isEqualTo("a");
    assertThat(net.node("c").stored).isEqualTo(net.node("a").stored);
    assertThat(net.core("c").commitIndex()).isEqualTo(net.core("a").commitIndex());
  }

  @Test
  void withoutPreVoteAPartitionedNodeDisruptsTheLeaderWhenItReturns() {
    CoreNetwork net =
        new CoreNetwork(
            (self, voters) ->
                new CoreConfig(
                    self,
                    CoreConfig.votersNamed(voters),
                    CoreNetwork.ELECTION_TICKS,
                    2,
                    false,
                    true,
                    50,
                    1 << 20,
                    4,
                    3,
                    0,
                    true),
            "a",
            "b",
            "c");
    net.elect("a");
    long term = net.core("a").term();
    net.isolate("c");
    tickAll(net, 10 * CoreNetwork.ELECTION_TICKS);
    assertThat(net.core("c").term()).isGreaterThan(term);
    net.heal();
    tickAll(net, CoreNetwork.HEARTBEAT_TICKS);
    // The leader learns c's inflated term from c's answer to a heartbeat, and steps down:
    // the disruption pre-vote exists to prevent.
    assertThat(net.node("a").leaderChanges)
        .anyMatch(c -> c.kind() == LeaderChange.Kind.STEPPED_DOWN);
  }

  @Test
  void checkQuorumMakesAnIsolatedLeaderStepDownWithinOneElectionTimeout() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    net.isolate("a");
    net.tick("a", CoreNetwork.ELECTION_TICKS - 1);
    assertThat(net.core("a").role()).isEqualTo(Role.LEADER);
    net.tick("a", 1);
    assertThat(net.core("a").role()).isEqualTo(Role.FOLLOWER);
    assertThat(net.node("a").leaderChanges)
        .last()
        .matches(c -> c.kind() == LeaderChange.Kind.STEPPED_DOWN);
  }

  @Test
  void followerThatHearsALeaderIgnoresVoteRequests() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    long term = net.core("b").term();
    net.handle(
        "b", new RaftEvent.MessageReceived(new VoteRequest("c", "b", term + 5, 100, term, false)));
    assertThat(net.core("b").term()).isEqualTo(term);
    assertThat(net.core("b").leaderId()).isEqualTo("a");
  }

  @Test
  void preCandidateThatLosesGoesBackToFollowerWithoutChangingTerm() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.node("b").stored.add(entry(1, 1));
    net.node("c").stored.add(entry(1, 1));
    net.node("b").hardState = new HardState(1, null);
    net.node("c").hardState = new HardState(1, null);
    net.restart("b");
    net.restart("c");
    net.node("a").hardState = new HardState(1, null);
    net.restart("a");
    for (int i = 0; i < 3 * CoreNetwork.ELECTION_TICKS; i++) {
      net.tick("a", 1);
      net.deliverAll();
    }
    // a's log is behind: every pre-vote is refused and nobody's term moves.
    assertThat(net.core("a").role()).isNotEqualTo(Role.LEADER);
    assertThat(net.core("b").term()).isEqualTo(1);
    assertThat(net.core("a").term()).isEqualTo(1);
  }

  static void tickAll(CoreNetwork net, int ticks) {
    for (int i = 0; i < ticks; i++) {
      for (String id : net.nodes.keySet()) {
        net.tick(id, 1);
      }
      net.deliverAll();
    }
  }

  static LogEntry entry(long index, long term) {
    return new LogEntry(index, term, EntryType.COMMAND, ("e" + index).getBytes());
  }

  private static int indexOf(List<Action> actions, Class<? extends Action> type) {
    for (int i = 0; i < actions.size(); i++) {
      if (type.isInstance(actions.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
