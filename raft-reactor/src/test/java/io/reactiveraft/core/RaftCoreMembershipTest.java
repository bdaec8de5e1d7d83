package io.reactiveraft.core;

import static io.reactiveraft.core.RaftCoreElectionTest.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.Role;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.TimeoutNow;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.spi.HardState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Membership rules of thesis chapter 4, on the core alone. */
class RaftCoreMembershipTest {

  private static LogEntry configEntry(long index, long term, ClusterConfiguration c) {
    return new LogEntry(index, term, EntryType.CONFIGURATION, ConfigurationCodec.encode(c));
  }

  private static RaftEvent.MessageReceived msg(io.reactiveraft.message.RaftMessage m) {
    return new RaftEvent.MessageReceived(m);
  }

  @Test
  void configurationTakesEffectWhenAppendedAndRevertsWhenTruncated() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    ClusterConfiguration initial = net.core("b").configuration();
    ClusterConfiguration withD = initial.withLearner(new Member("d", "d"));
    net.handle(
        "b",
        msg(
            new AppendEntriesRequest(
                "a", "b", 1, 0, 0, List.of(entry(1, 1), configEntry(2, 1, withD)), 1)));
    assertThat(net.core("b").configuration()).isEqualTo(withD);
    assertThat(net.node("b").actions)
        .anyMatch(
            a -> a instanceof Action.ConfigurationChanged c && c.configuration().equals(withD));

    // A leader of term 2 never had that entry: it overwrites index 2, and b falls back.
    net.handle(
        "b", msg(new AppendEntriesRequest("c", "b", 2, 1, 1, List.of(LogEntry.noop(2, 2)), 1)));
    assertThat(net.core("b").configuration()).isEqualTo(initial);
  }

  @Test
  void configurationIsRestoredFromTheLogOnRestart() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    ClusterConfiguration shrunk = net.core("b").configuration().without("c");
    net.node("b").stored.addAll(List.of(entry(1, 1), configEntry(2, 1, shrunk)));
    net.node("b").hardState = new HardState(1, null);
    net.restart("b");
    assertThat(net.core("b").configuration()).isEqualTo(shrunk);
  }

  @Test
  void removedServerCannotDisruptTheClusterWithVoteRequests() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    ClusterConfiguration withoutC = net.core("a").configuration().without("c");
    // b learns a configuration without c; c's vote requests are no longer heard.
    net.handle(
        "b",
        msg(
            new AppendEntriesRequest(
                "a",
                "b",
                net.core("a").term(),
                1,
                1,
                List.of(configEntry(2, net.core("a").term(), withoutC)),
                1)));
    long term = net.core("b").term();
    net.handle("b", msg(new VoteRequest("c", "b", term + 10, 100, term + 5, false)));
    assertThat(net.core("b").term()).isEqualTo(term);
    assertThat(net.sent(VoteResponse.class)).noneMatch(r -> r.to().equals("c"));
  }

  /**
   * Thesis 4.2.3: a removed server that never hears its removal committed campaigns, and here with
   * a log as up to date as anyone's and no pre-vote, so neither the log check nor a pre-vote stops
   * it and its term climbs. What protects the cluster is that servers hearing a leader ignore its
   * requests: no term changes, no vote is granted, the leader stays.
   */
  @Test
  void aRemovedServerWithAWholeLogAndNoPreVoteCannotDisruptTheCluster() {
    CoreNetwork net = new CoreNetwork(CoreNetwork::noPreVoteConfig, "a", "b", "c");
    net.electAndSettle("a");
    net.handle(
        "a",
        new RaftEvent.ChangeRequested(1, new io.reactiveraft.MembershipChange.RemoveServer("c")));
    // The leader sends the removal to b only, as c is no longer a member; c gets a copy (as it
    // would have from a leader that appended the removal and lost office), so its log is whole,
    // and hears nothing from a after it.
    AppendEntriesRequest toB = (AppendEntriesRequest) net.inFlight.getFirst();
    net.cut("a", "c");
    net.handle(
        "c",
        msg(
            new AppendEntriesRequest(
                "a",
                "c",
                toB.term(),
                toB.prevLogIndex(),
                toB.prevLogTerm(),
                toB.entries(),
                toB.leaderCommit(),
                toB.sequence())));
    net.deliverAll();
    assertThat(net.core("a").configuration().contains("c")).isFalse();
    assertThat(net.core("c").configuration().contains("c")).as("c stored its removal").isFalse();
    long term = net.core("a").term();

    for (int i = 0; i < 6 * CoreNetwork.ELECTION_TICKS; i++) {
      for (String id : List.of("a", "b", "c")) {
        net.tick(id, 1);
      }
      net.deliverAll();
    }

    assertThat(net.core("c").term()).as("c campaigned").isGreaterThan(term);
    assertThat(net.core("c").log().lastIndex()).isEqualTo(net.core("b").log().lastIndex());
    assertThat(net.core("c").log().lastTerm()).isEqualTo(net.core("b").log().lastTerm());
    assertThat(net.sent(VoteRequest.class))
        .anyMatch(r -> r.from().equals("c") && r.to().equals("b"));
    assertThat(net.core("a").role()).isEqualTo(Role.LEADER);
    assertThat(net.core("a").term()).isEqualTo(term);
    assertThat(net.core("b").term()).isEqualTo(term);
    assertThat(net.sent(VoteResponse.class)).noneMatch(r -> r.to().equals("c") && r.granted());
  }

  /**
   * Thesis 4.2.2: a leader removing itself crashes with the removal stored only in its own log. The
   * remaining voters of the old configuration cannot elect one of their own without its vote once a
   * third is gone, and it refuses them (its log is longer): unless it campaigns in the new
   * configuration, no one ever leads again.
   */
  @Test
  void aServerWhoseRemovalIsNotCommittedStillCampaignsAndCommitsIt() {
    CoreNetwork net = new CoreNetwork("a", "b", "c", "r");
    net.elect("r");
    net.tick("r", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll(); // r's no-op commits: it may propose a change
    net.isolate("r");
    net.handle(
        "r",
        new RaftEvent.ChangeRequested(7, new io.reactiveraft.MembershipChange.RemoveServer("r")));
    ClusterConfiguration withoutR = net.core("r").configuration();
    assertThat(withoutR.contains("r")).isFalse();
    net.dropAll();
    net.restart("r"); // the removal survives in r's log alone
    net.isolate("a"); // and a is gone for good
    net.rejoin("r");

    for (int i = 0; i < 40 * CoreNetwork.ELECTION_TICKS && !settled(net, withoutR); i++) {
      for (String id : List.of("b", "c", "r")) {
        net.tick(id, 1);
      }
      net.deliverAll();
    }
    assertThat(settled(net, withoutR))
        .as(
            "b or c leads with the removal committed; roles b=%s c=%s r=%s",
            net.core("b").role(), net.core("c").role(), net.core("r").role())
        .isTrue();
    assertThat(net.core("r").role()).isNotEqualTo(Role.LEADER);
  }

  /** Whether b or c leads in {@code c}, which it has committed. */
  private static boolean settled(CoreNetwork net, ClusterConfiguration c) {
    for (String id : List.of("b", "c")) {
      RaftCore core = net.core(id);
      if (core.role() == Role.LEADER
          && core.configuration().equals(c)
          && core.commitIndex() >= net.node("r").core.log().lastIndex()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Thesis 3.10: the leader tells the target to campaign only once the target holds its whole log;
   * a target sent TimeoutNow while behind would lose its election, or win it and the leader's
   * newest entries with it.
   */
  @Test
  void aTransferSendsTimeoutNowOnlyOnceTheTargetHoldsTheWholeLog() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.electAndSettle("a");
    net.isolate("c");
    for (int i = 0; i < 5; i++) {
      net.propose("a", "w" + i);
    }
    net.deliverAll();
    net.requestTransfer("a", 1, "c");
    net.deliverAll();
    assertThat(net.sent(TimeoutNow.class)).as("c lacks five entries").isEmpty();

    net.rejoin("c");
    long[] whenSent = {-1, -1}; // c's last index, a's last index
    for (int i = 0; i < 3 * CoreNetwork.HEARTBEAT_TICKS && whenSent[0] < 0; i++) {
      net.tick("a", 1);
      net.deliverWhile(
          m -> {
            if (m instanceof TimeoutNow && whenSent[0] < 0) {
              whenSent[0] = net.core("c").log().lastIndex();
              whenSent[1] = net.core("a").log().lastIndex();
            }
            return true;
          });
    }
    assertThat(whenSent[0]).as("TimeoutNow was sent once c caught up").isPositive();
    assertThat(whenSent[0]).as("c held a's whole log").isEqualTo(whenSent[1]);
    assertThat(net.core("c").role()).isEqualTo(Role.LEADER);
  }

  /**
   * A target cut off just as it is told to campaign probes first (pre-vote, with the transfer's
   * leave to set the lease aside), so its term stays; on its return it deposes no one. Campaigning
   * at once would raise its term, and its first answer to the leader would end the leader's term.
   */
  @Test
  void aTargetCutOffAsItIsToldToCampaignRaisesNoTermAndDeposesNoOneOnItsReturn() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.electAndSettle("a");
    long term = net.core("a").term();
    net.requestTransfer("a", 1, "c");

    // TimeoutNow reaches c, and nothing c sends in answer arrives anywhere.
    boolean[] told = {false};
    for (int i = 0; i < 2 * CoreNetwork.HEARTBEAT_TICKS && !told[0]; i++) {
      net.tick("a", 1);
      net.deliverWhile(
          m -> {
            told[0] |= m instanceof TimeoutNow;
            return !m.from().equals("c");
          });
    }
    assertThat(told[0]).as("a told c to campaign").isTrue();
    net.isolate("c");
    for (int i = 0; i < 3 * CoreNetwork.ELECTION_TICKS; i++) {
      for (String id : List.of("a", "b", "c")) {
        net.tick(id, 1);
      }
      net.deliverAll();
    }
    assertThat(net.core("c").term()).as("the cut-off target's term").isEqualTo(term);

    net.rejoin("c");
    for (int i = 0; i < 3 * CoreNetwork.HEARTBEAT_TICKS; i++) {
      for (String id : List.of("a", "b", "c")) {
        net.tick(id, 1);
      }
      net.deliverAll();
    }
    assertThat(net.core("a").role()).isEqualTo(Role.LEADER);
    assertThat(net.core("a").term()).as("the leader's term").isEqualTo(term);
    assertThat(net.core("c").leaderId()).isEqualTo("a");
  }

  /** Thesis 3.10: the log holds still while the transfer's target catches up. */
  @Test
  void aChangeRequestedDuringALeadershipTransferIsRefused() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.electAndSettle("a");
    net.isolate("b"); // falls behind, so the transfer waits for it
    net.propose("a", "w1");
    net.deliverAll();
    net.requestTransfer("a", 1, "b");
    long lastIndex = net.core("a").log().lastIndex();

    net.handle(
        "a",
        new RaftEvent.ChangeRequested(
            2, new io.reactiveraft.MembershipChange.AddLearner(new Member("d", "d"))));
    assertThat(net.node("a").actions)
        .anySatisfy(
            x ->
                assertThat(x)
                    .isInstanceOfSatisfying(
                        Action.ChangeFailed.class,
                        f -> {
                          assertThat(f.requestId()).isEqualTo(2);
                          assertThat(f.error())
                              .isInstanceOfSatisfying(
                                  io.reactiveraft.MembershipChangeException.class,
                                  e ->
                                      assertThat(e.reason())
                                          .isEqualTo(
                                              io.reactiveraft.MembershipChangeException.Reason
                                                  .TRANSFER_IN_PROGRESS));
                        }));
    assertThat(net.core("a").log().lastIndex()).isEqualTo(lastIndex);
    assertThat(net.core("a").configuration().contains("d")).isFalse();
  }

  @Test
  void learnerNeverCampaigns() {
    ClusterConfiguration c =
        new ClusterConfiguration(
            List.of(new Member("a", "a"), new Member("b", "b")), List.of(new Member("l", "l")));
    CoreNetwork net =
        new CoreNetwork(
            (self, voters) ->
                new CoreConfig(self, c, 10, 2, true, true, 50, 1 << 20, 4, 3, 0, true),
            "a",
            "b",
            "l");
    net.tick("l", 100);
    assertThat(net.core("l").role()).isEqualTo(Role.FOLLOWER);
    assertThat(net.sent(VoteRequest.class)).noneMatch(r -> r.from().equals("l"));
  }

  @Test
  void emptyNodeWithoutBootstrapNeitherVotesNorCampaignsUntilALeaderBringsTheLog() {
    CoreNetwork net =
        new CoreNetwork(
            (self, voters) ->
                new CoreConfig(
                    self,
                    CoreConfig.votersNamed(voters),
                    10,
                    2,
                    true,
                    true,
                    50,
                    1 << 20,
                    4,
                    3,
                    0,
                    !self.equals("c")),
            "a",
            "b",
            "c");
    net.tick("c", 100);
    assertThat(net.sent(VoteRequest.class)).noneMatch(r -> r.from().equals("c"));
    net.handle("c", msg(new VoteRequest("a", "c", 1, 0, 0, false)));
    assertThat(net.sent(VoteResponse.class)).singleElement().matches(r -> !r.granted());

    net.electAndSettle("a");
    assertThat(net.node("c").stored).isNotEmpty();
    long term = net.core("c").term();
    net.handle("c", msg(new VoteRequest("b", "c", term + 1, 100, term, false)));
    // Now it holds the log; with the leader heard recently it still ignores b (check-quorum).
    net.tick("c", 3 * CoreNetwork.ELECTION_TICKS);
    net.handle("c", msg(new VoteRequest("b", "c", term + 2, 100, term, false)));
    assertThat(net.sent(VoteResponse.class)).anyMatch(r -> r.from().equals("c") && r.granted());
  }

  @Test
  void newLeaderProposesAChangeOnlyAfterCommittingAnEntryOfItsOwnTerm() {
    // Ongaro's single-server change bug: a change proposed by a leader that has not yet
    // committed in its term can form a majority that does not overlap an earlier, uncommitted
    // change of the previous leader. The change must wait for this term's no-op to commit.
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    RaftCore a = net.core("a");
    RaftCoreReplicationTest.winElectionByHand(net);
    net.handle(
        "a",
        new RaftEvent.ChangeRequested(
            7, new io.reactiveraft.MembershipChange.AddLearner(new Member("d", "d"))));
    assertThat(net.node("a").stored).noneMatch(e -> e.type() == EntryType.CONFIGURATION);

    net.deliverAll(); // nothing in flight; now let the no-op commit
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    assertThat(a.log().term(a.commitIndex())).isEqualTo(a.term());
    assertThat(net.node("a").stored).anyMatch(e -> e.type() == EntryType.CONFIGURATION);
    assertThat(net.node("a").actions)
        .anyMatch(x -> x instanceof Action.ChangeCompleted c && c.requestId() == 7);
  }

  @Test
  void aServerWhoseSnapshotTakesLongerThanEveryCatchUpRoundStillJoins() {
    List<String> voters = List.of("a", "b", "c");
    CoreNetwork net =
        new CoreNetwork(
            (self, ids) -> CoreNetwork.defaultConfig(self, voters).withSnapshotChunkBytes(1024),
            "a",
            "b",
            "c",
            "d");
    net.elect("a");
    for (int i = 0; i < 5; i++) {
      net.propose("a", "cmd" + i);
      net.deliverAll();
    }
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    net.takeSnapshot("a", 200 * 1024);
    net.propose("a", "more");
    net.deliverAll();
    net.takeSnapshot("a", 200 * 1024); // d's empty log now needs a snapshot of 200 chunks

    net.handle(
        "a",
        new RaftEvent.ChangeRequested(
            8, new io.reactiveraft.MembershipChange.AddServer(new Member("d", "d"))));
    // A slow link to d: at most one chunk gets through per tick, the next only when the
    // leader's stall timer resends it. The transfer outlasts catchUpRounds x 10 election timeouts.
    boolean done = false;
    for (int tick = 0; tick < 5000 && !done; tick++) {
      for (String id : voters) {
        net.tick(id, 1);
      }
      int[] chunks = {0};
      net.deliverWhile(
          m -> !(m instanceof InstallSnapshotRequest r && r.to().equals("d") && chunks[0]++ > 0));
      done =
          net.node("a").actions.stream()
              .anyMatch(
                  x ->
                      (x instanceof Action.ChangeCompleted c && c.requestId() == 8)
                          || (x instanceof Action.ChangeFailed f && f.requestId() == 8));
    }
    assertThat(net.node("a").actions)
        .as("the change completes rather than fails")
        .anyMatch(x -> x instanceof Action.ChangeCompleted c && c.requestId() == 8);
    assertThat(net.core("a").configuration().isVoter("d")).isTrue();
  }

  @Test
  void nodeOutsideItsOwnLatestConfigurationStillVotes() {
    // b holds an uncommitted entry that removes it; c's configuration (newer) needs b's vote.
    // If b refused to vote because of its own stale configuration, no one could win.
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    ClusterConfiguration withoutB = net.core("b").configuration().without("b");
    net.node("b").stored.add(configEntry(1, 1, withoutB));
    net.node("b").hardState = new HardState(1, null);
    net.restart("b");
    net.handle("b", msg(new VoteRequest("c", "b", 3, 2, 2, false)));
    assertThat(net.sent(VoteResponse.class))
        .anyMatch(r -> r.from().equals("b") && r.to().equals("c") && r.granted());
  }
}
