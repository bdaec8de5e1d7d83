package io.reactiveraft.core;

import static io.reactiveraft.core.RaftCoreElectionTest.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.RaftEvent;
import io.reactiveraft.Role;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.ForwardedCommand;
import io.reactiveraft.message.ForwardedCommandResponse;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.spi.HardState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log replication and commit rules of the Raft paper (section 5.3, 5.4.2) and thesis 10.2.1. */
class RaftCoreReplicationTest {

  private static RaftEvent.MessageReceived msg(RaftMessage m) {
    return new RaftEvent.MessageReceived(m);
  }

  private static List<AppendEntriesResponse> acks(CoreNetwork net, String from) {
    return net.sent(AppendEntriesResponse.class).stream()
        .filter(r -> r.from().equals(from) && r.success())
        .toList();
  }

  /** The forwarded command on its way to the leader. */
  private static RaftMessage forwardedInFlight(CoreNetwork net) {
    return net.inFlight.stream()
        .filter(m -> m instanceof ForwardedCommand)
        .findFirst()
        .orElseThrow();
  }

  /** Makes a leader of {@code a} in a 3-node cluster by answering its vote requests by hand. */
  static void winElectionByHand(CoreNetwork net) {
    RaftCore a = net.core("a");
    while (a.role() == Role.FOLLOWER) {
      net.tick("a", 1);
    }
    net.handle("a", msg(new VoteResponse("b", "a", a.term() + 1, true, true)));
    net.handle("a", msg(new VoteResponse("b", "a", a.term(), true, false)));
    assertThat(a.role()).isEqualTo(Role.LEADER);
    net.dropAll();
  }

  @Test
  void entryOfAnOlderTermOnAMajorityStaysUncommittedUntilOneOfTheCurrentTermIs() {
    // Paper Figure 8: a leader of term 3 holds entries of terms 1 and 2.
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.node("a").stored.addAll(List.of(entry(1, 1), entry(2, 2)));
    net.node("a").hardState = new HardState(2, null);
    net.restart("a");
    winElectionByHand(net);
    RaftCore leader = net.core("a");
    assertThat(leader.term()).isEqualTo(3);
    assertThat(leader.log().lastIndex()).isEqualTo(3); // the no-op of term 3

    net.handle("a", msg(new AppendEntriesResponse("b", "a", 3, true, 2, 0, 0)));
    assertThat(leader.commitIndex())
        .as("entry 2 of term 2 is on a majority but must not commit by counting")
        .isZero();

    net.handle("a", msg(new AppendEntriesResponse("b", "a", 3, true, 3, 0, 0)));
    assertThat(leader.commitIndex()).isEqualTo(3);
    assertThat(net.node("a").applied).extracting(LogEntry::index).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aLeaderSendsNewEntriesBeforeHandingThemToItsOwnStore() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    winElectionByHand(net);
    RaftCore leader = net.core("a");
    for (String follower : List.of("b", "c")) { // caught up, so replication is pipelined
      net.handle(
          "a",
          msg(
              new AppendEntriesResponse(
                  follower, "a", leader.term(), true, leader.log().lastIndex(), 0, 0)));
    }
    net.dropAll();

    leader.handle(new RaftEvent.CommandProposed(1, EntryType.COMMAND, new byte[] {1}));
    List<Action> actions = leader.flush();

    int append = indexOf(actions, a -> a instanceof Action.AppendLog);
    int firstSend =
        indexOf(
            actions,
            a ->
                a instanceof Action.Send send
                    && send.message() instanceof AppendEntriesRequest r
                    && !r.entries().isEmpty());
    assertThat(firstSend).as("an AppendEntries carrying the command").isNotNegative();
    assertThat(append).as("the leader's own append").isGreaterThan(firstSend);
  }

  @Test
  void anIdleFollowerHearsOfACommitWithinATickRatherThanFromAMessageOfItsOwn() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    net.deliverAll();
    net.propose("a", "x");
    long index = net.core("a").log().lastIndex();
    net.deliverAll();
    assertThat(net.core("a").commitIndex()).isEqualTo(index);
    assertThat(net.core("b").commitIndex())
        .as("a commit alone sends nothing: the next append or tick carries it")
        .isLessThan(index);

    net.tick("a", 1);
    net.deliverAll();
    assertThat(net.core("b").commitIndex()).isEqualTo(index);
    assertThat(net.node("b").applied).extracting(LogEntry::index).contains(index);
  }

  @Test
  void aFollowerWhoseForwardedCommandCommitsIsToldAtOnce() {
    CoreNetwork net = new CoreNetwork(CoreNetwork::forwardingConfig, "a", "b", "c");
    net.elect("a");
    net.deliverAll();
    net.propose("b", "forwarded");
    net.deliverAll();
    long index = net.core("a").log().lastIndex();
    assertThat(net.core("a").commitIndex()).isEqualTo(index);
    assertThat(net.core("b").commitIndex()).as("without waiting for a tick").isEqualTo(index);
    assertThat(net.node("b").applied).extracting(LogEntry::index).contains(index);
  }

  /**
   * The transport may deliver a message twice. A forwarded command delivered twice is one command:
   * the leader answers the copy with where the first went, and appends it once.
   */
  @Test
  void aForwardedCommandDeliveredTwiceIsAppendedOnce() {
    CoreNetwork net = new CoreNetwork(CoreNetwork::forwardingConfig, "a", "b", "c");
    net.elect("a");
    net.deliverAll();
    long before = net.core("a").log().lastIndex();
    net.propose("b", "once");
    RaftMessage forwarded = forwardedInFlight(net);
    net.inFlight.addLast(forwarded); // the duplicate
    net.deliverAll();

    assertThat(net.core("a").log().lastIndex()).isEqualTo(before + 1);
    long copies =
        net.node("a").stored.stream()
            .filter(e -> new String(e.payload(), StandardCharsets.UTF_8).equals("once"))
            .count();
    assertThat(copies).isEqualTo(1);
    assertThat(net.node("b").applied).extracting(LogEntry::index).contains(before + 1);
  }

  /**
   * A leader that appended a forwarded command and then stepped down within its term (it lost
   * contact with a majority) answers a late copy with where the first went: that entry may still
   * commit, so the caller must not be told its command was refused.
   */
  @Test
  void aCopyReachingALeaderThatSteppedDownInItsTermLearnsWhereTheFirstWent() {
    CoreNetwork net = new CoreNetwork(CoreNetwork::forwardingConfig, "a", "b", "c");
    net.elect("a");
    net.deliverAll();
    long before = net.core("a").log().lastIndex();
    net.propose("b", "first");
    RaftMessage forwarded = forwardedInFlight(net);
    net.deliverWhile(m -> m instanceof ForwardedCommand);
    net.dropAll(); // a's answer, and its appends, are lost
    assertThat(net.core("a").log().lastIndex()).isEqualTo(before + 1);
    long term = net.core("a").term();

    net.isolate("a");
    for (int i = 0;
        i < 3 * CoreNetwork.ELECTION_TICKS && net.core("a").role() == Role.LEADER;
        i++) {
      net.tick("a", 1);
    }
    assertThat(net.core("a").role()).isEqualTo(Role.FOLLOWER);
    assertThat(net.core("a").term()).as("check-quorum keeps the term").isEqualTo(term);
    net.heal();
    net.dropAll();

    net.handle("a", msg(forwarded)); // the copy
    net.deliverWhile(m -> m instanceof ForwardedCommandResponse);

    long requestId = "first".hashCode();
    assertThat(net.node("b").actions)
        .noneMatch(a -> a instanceof Action.ProposalRejected r && r.requestId() == requestId)
        .contains(new Action.ProposalAccepted(requestId, before + 1, term));
  }

  /**
   * A copy of a forwarded command refused during a leadership transfer is refused too, even once
   * the transfer is over: its caller was told the command was not applied.
   */
  @Test
  void aForwardedCommandRefusedOnceIsRefusedAgainWhenACopyComesLater() {
    CoreNetwork net = new CoreNetwork(CoreNetwork::forwardingConfig, "a", "b", "c");
    net.elect("a");
    net.deliverAll();
    // c is cut off, so a transfer to it cannot finish; the leader refuses proposals meanwhile.
    net.isolate("c");
    net.requestTransfer("a", 7, "c");
    long before = net.core("a").log().lastIndex();
    net.propose("b", "refused");
    RaftMessage forwarded = forwardedInFlight(net);
    net.deliverAll();
    assertThat(net.core("a").log().lastIndex()).isEqualTo(before);

    for (int i = 0; i <= CoreNetwork.ELECTION_TICKS; i++) { // the transfer is abandoned
      net.tick("a", 1);
      net.deliverAll(); // b's answers keep a leading (check-quorum)
    }
    assertThat(net.core("a").role()).isEqualTo(Role.LEADER);
    net.propose("a", "accepted again");
    assertThat(net.core("a").log().lastIndex()).as("the transfer is over").isEqualTo(before + 1);

    net.inFlight.addLast(forwarded); // and now the copy arrives
    net.deliverAll();

    assertThat(net.core("a").role()).isEqualTo(Role.LEADER);
    assertThat(net.core("a").log().lastIndex()).isEqualTo(before + 1);
    assertThat(net.node("a").stored)
        .noneMatch(e -> new String(e.payload(), StandardCharsets.UTF_8).equals("refused"));
  }

  /**
   * A command forwarded to a leader, and a read index asked of it, get no answer once the term has
   * moved on (answers of the old term are dropped as stale): their callers are told at the term
   * change, not at their deadline, which may be never. The command may still commit, so its outcome
   * is unknown; the read did nothing and may be asked again.
   */
  @Test
  void forwardedCommandsAndReadsUnansweredInTheirTermAreFailedWhenTheTermEnds() {
    CoreNetwork net = new CoreNetwork(CoreNetwork::forwardingConfig, "a", "b", "c");
    net.elect("a");
    net.deliverAll();
    net.propose("b", "forwarded");
    long commandId = "forwarded".hashCode();
    net.handle("b", new RaftEvent.ReadRequested(8));
    net.dropAll(); // the leader never hears of them
    long term = net.core("b").term();

    net.handle("b", msg(new AppendEntriesRequest("c", "b", term + 1, 0, 0, List.of(), 0, 1)));

    List<Action> actions = net.node("b").actions;
    assertThat(actions)
        .filteredOn(a -> a instanceof Action.ProposalRejected r && r.requestId() == commandId)
        .singleElement()
        .satisfies(
            a -> assertThat(((Action.ProposalRejected) a).error().outcomeUnknown()).isTrue());
    assertThat(actions)
        .filteredOn(a -> a instanceof Action.ReadFailed r && r.requestId() == 8)
        .singleElement()
        .satisfies(a -> assertThat(((Action.ReadFailed) a).error().outcomeUnknown()).isFalse());
  }

  /** A request whose entries no leader's log could hold changes nothing and stops nothing. */
  @Test
  void anAppendWithAGapIsIgnored() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    net.deliverAll();
    long term = net.core("b").term();
    long last = net.core("b").log().lastIndex();
    net.handle(
        "b",
        new RaftEvent.MessageReceived(
            new AppendEntriesRequest(
                "a",
                "b",
                term + 1,
                last,
                net.core("b").log().lastTerm(),
                List.of(entry(last + 2, term + 1)),
                0)));

    assertThat(net.core("b").log().lastIndex()).isEqualTo(last);
    assertThat(net.core("b").term()).as("not even its term is taken").isEqualTo(term);
  }

  /**
   * A follower takes a commit index only up to what the leader knows it holds: the forwarded
   * command commits on the other follower's ack while this one's write is still pending, so it is
   * told again once its own ack comes.
   */
  @Test
  void aFollowerWhoseForwardedCommandCommitsBeforeItsOwnAckIsToldOnceItAcks() {
    CoreNetwork net = new CoreNetwork(CoreNetwork::forwardingConfig, "a", "b", "c");
    net.elect("a");
    net.deliverAll();
    net.node("b").holdDurability = true;
    net.propose("b", "forwarded");
    net.deliverAll();
    long index = net.core("a").log().lastIndex();
    assertThat(net.core("a").commitIndex()).as("committed with c's ack").isEqualTo(index);
    assertThat(net.core("b").commitIndex()).isLessThan(index);

    net.releaseDurability("b");
    net.deliverAll();

    assertThat(net.core("b").commitIndex()).as("without waiting for a tick").isEqualTo(index);
    assertThat(net.node("b").applied).extracting(LogEntry::index).contains(index);
  }

  /** With a lease the leader answers without a round of heartbeats that would carry the commit. */
  @Test
  void aFollowerReadAtACommitItHasNotHeardOfIsToldOfItAtOnce() {
    CoreNetwork net =
        new CoreNetwork(
            (self, voters) -> CoreNetwork.defaultConfig(self, voters).withLeaseNanos(80_000_000),
            "a",
            "b",
            "c");
    for (String follower : List.of("b", "c")) { // past the quiet start that leases impose
      net.tick(follower, CoreNetwork.ELECTION_TICKS);
    }
    net.dropAll();
    net.elect("a");
    net.deliverAll();
    net.propose("a", "x");
    long index = net.core("a").log().lastIndex();
    net.deliverAll();
    assertThat(net.core("b").commitIndex()).isLessThan(index);

    net.handle("b", new RaftEvent.ReadRequested(7));
    net.deliverAll();
    assertThat(net.node("b").actions)
        .as("the read waits for this node to apply the read index")
        .contains(new Action.ReadReady(7, index));
    assertThat(net.core("b").commitIndex()).as("without waiting for a tick").isEqualTo(index);
    assertThat(net.node("b").applied).extracting(LogEntry::index).contains(index);
  }

  private static int indexOf(List<Action> actions, java.util.function.Predicate<Action> which) {
    for (int i = 0; i < actions.size(); i++) {
      if (which.test(actions.get(i))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * An acknowledgement deferred for durability in one term must not carry that term's request
   * sequence to the next term's leader: it would count it as an answer to its own later heartbeat
   * rounds and confirm reads no majority confirmed (found by the simulation, seed 214).
   */
  @Test
  void anAckOwedToAnOldTermsLeaderLendsItsSequenceToNoOne() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.node("b").holdDurability = true;
    net.handle("b", msg(new AppendEntriesRequest("a", "b", 1, 0, 0, List.of(entry(1, 1)), 0, 344)));
    net.handle("b", msg(new AppendEntriesRequest("c", "b", 2, 1, 1, List.of(entry(2, 2)), 0, 5)));

    net.releaseDurability("b");

    List<AppendEntriesResponse> toC =
        net.sent(AppendEntriesResponse.class).stream()
            .filter(r -> r.to().equals("c") && r.success())
            .toList();
    assertThat(toC).isNotEmpty().allSatisfy(r -> assertThat(r.sequence()).isLessThanOrEqualTo(5));
  }

  @Test
  void leaderCountsItselfOnlyOnceItsOwnWriteIsDurable() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    winElectionByHand(net);
    net.node("a").holdDurability = true;
    net.propose("a", "x");
    long index = net.core("a").log().lastIndex();
    net.handle(
        "a", msg(new AppendEntriesResponse("b", "a", net.core("a").term(), true, index - 1, 0, 0)));
    assertThat(net.core("a").commitIndex()).isLessThan(index);
    net.releaseDurability("a");
    assertThat(net.core("a").commitIndex()).isEqualTo(index - 1);
    net.handle(
        "a", msg(new AppendEntriesResponse("b", "a", net.core("a").term(), true, index, 0, 0)));
    assertThat(net.core("a").commitIndex()).isEqualTo(index);
  }

  @Test
  void followerAcknowledgesOnlyWhatIsDurable() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    net.deliverAll();
    net.node("b").holdDurability = true;
    net.propose("a", "x");
    long index = net.core("a").log().lastIndex();
    net.deliverAll();
    assertThat(acks(net, "b")).noneMatch(r -> r.matchIndex() >= index);
    assertThat(net.node("b").stored).extracting(LogEntry::index).contains(index);

    net.releaseDurability("b");
    assertThat(acks(net, "b")).anyMatch(r -> r.matchIndex() == index);
  }

  /**
   * Follower b, durability acks held, holding (1, term 1): the leader of term 1 writes (2, term 1),
   * then the leader of term 2 overwrites it with (2, term 2).
   */
  private static void entryTwoWrittenThenOverwritten(CoreNetwork net) {
    net.node("b").stored.add(entry(1, 1));
    net.node("b").hardState = new HardState(1, null);
    net.restart("b");
    net.node("b").holdDurability = true;
    net.handle("b", msg(new AppendEntriesRequest("a", "b", 1, 1, 1, List.of(entry(2, 1)), 1)));
    net.handle("b", msg(new AppendEntriesRequest("c", "b", 2, 1, 1, List.of(entry(2, 2)), 1)));
  }

  @Test
  void lateDurabilityAckForAnOverwrittenEntryIsIgnored() {
    // etcd-io/raft async_storage_writes_append_aba_race: (2, term 1) is written, then
    // replaced by (2, term 2) before the first write's ack arrives.
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    entryTwoWrittenThenOverwritten(net);
    assertThat(net.node("b").heldAcks)
        .extracting(RaftEvent.LogDurable::term)
        .containsExactly(1L, 2L);

    net.handle("b", net.node("b").heldAcks.pollFirst()); // the stale (2, term 1)
    assertThat(acks(net, "b")).noneMatch(r -> r.matchIndex() == 2);
    net.handle("b", net.node("b").heldAcks.pollFirst());
    assertThat(acks(net, "b")).anyMatch(r -> r.to().equals("c") && r.matchIndex() == 2);
  }

  /**
   * The same race, where a third leader writes back the very entry the second truncated: the late
   * acknowledgement names an (index, term) the log holds again, but the copy it was about was
   * erased by the truncation, and the new copy is not durable yet.
   */
  @Test
  void lateDurabilityAckForAnEntryTruncatedAndWrittenBackIsIgnored() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    entryTwoWrittenThenOverwritten(net);
    net.handle("b", msg(new AppendEntriesRequest("a", "b", 3, 1, 1, List.of(entry(2, 1)), 1)));
    assertThat(net.core("b").log().matches(2, 1)).isTrue();
    assertThat(net.node("b").heldAcks)
        .extracting(RaftEvent.LogDurable::term)
        .containsExactly(1L, 2L, 1L);

    net.handle("b", net.node("b").heldAcks.pollFirst()); // (2, term 1) of the first write
    net.handle("b", net.node("b").heldAcks.pollFirst()); // (2, term 2), overwritten
    assertThat(acks(net, "b")).noneMatch(r -> r.matchIndex() == 2);
    net.handle("b", net.node("b").heldAcks.pollFirst());
    assertThat(acks(net, "b"))
        .anyMatch(r -> r.to().equals("a") && r.term() == 3 && r.matchIndex() == 2);
  }

  @Test
  void staleAppendWhoseEntriesAllMatchNeverTruncates() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.node("b").stored.addAll(List.of(entry(1, 1), entry(2, 1), entry(3, 1)));
    net.node("b").hardState = new HardState(1, null);
    net.restart("b");
    net.handle(
        "b",
        msg(new AppendEntriesRequest("a", "b", 1, 0, 0, List.of(entry(1, 1), entry(2, 1)), 0)));
    assertThat(net.node("b").stored).hasSize(3);
    assertThat(net.node("b").actions).noneMatch(a -> a instanceof Action.TruncateLog);
    assertThat(acks(net, "b")).singleElement().matches(r -> r.matchIndex() == 2);
  }

  @Test
  void followerCommitsAtMostTheLastEntryOfTheRequest() {
    // b holds an entry 3 that a leader of term 2 may not have: a heartbeat checked at index 1
    // with leaderCommit 3 must not commit b's entry 3.
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.node("b").stored.addAll(List.of(entry(1, 1), entry(2, 1), entry(3, 1)));
    net.node("b").hardState = new HardState(1, null);
    net.restart("b");
    net.handle("b", msg(new AppendEntriesRequest("a", "b", 2, 1, 1, List.of(), 3)));
    assertThat(net.core("b").commitIndex()).isEqualTo(1);
    net.handle("b", msg(new AppendEntriesRequest("a", "b", 2, 1, 1, List.of(entry(2, 2)), 3)));
    assertThat(net.core("b").commitIndex()).isEqualTo(2);
    assertThat(net.node("b").stored).containsExactly(entry(1, 1), entry(2, 2));
  }

  @Test
  void divergentFollowerLogsAreRepairedWithOneRejectionPerConflictingTerm() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.node("a").stored.addAll(List.of(entry(1, 1), entry(2, 1), entry(3, 3), entry(4, 3)));
    net.node("a").hardState = new HardState(3, null);
    net.node("b")
        .stored
        .addAll(List.of(entry(1, 1), entry(2, 2), entry(3, 2), entry(4, 2), entry(5, 2)));
    net.node("b").hardState = new HardState(2, null);
    net.node("c").stored.add(entry(1, 1));
    net.node("c").hardState = new HardState(1, null);
    for (String id : List.of("a", "b", "c")) {
      net.restart(id);
    }
    net.electAndSettle("a");

    List<LogEntry> leaderLog = net.node("a").stored;
    assertThat(leaderLog).hasSize(5);
    assertThat(net.node("b").stored).isEqualTo(leaderLog);
    assertThat(net.node("c").stored).isEqualTo(leaderLog);
    for (String id : List.of("a", "b", "c")) {
      assertThat(net.core(id).commitIndex()).as(id).isEqualTo(5);
    }
    long rejectionsFromB =
        net.sent(AppendEntriesResponse.class).stream()
            .filter(r -> r.from().equals("b") && !r.success())
            .count();
    assertThat(rejectionsFromB).isEqualTo(1);
  }

  @Test
  void proposalsOfOneBatchLeaveAsFewAppendEntriesWithinTheWindow() {
    int window = 4;
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.electAndSettle("a");
    int before = net.sent.size();
    RaftCore a = net.core("a");
    for (int i = 0; i < 1000; i++) {
      a.handle(new RaftEvent.CommandProposed(i, ("c" + i).getBytes()));
    }
    net.handle("a", new RaftEvent.LogDurable(a.log().lastIndex(), a.term(), 0)); // ends the batch
    List<AppendEntriesRequest> toB =
        net.sent.subList(before, net.sent.size()).stream()
            .filter(m -> m instanceof AppendEntriesRequest r && r.to().equals("b"))
            .map(AppendEntriesRequest.class::cast)
            .toList();
    assertThat(toB).hasSize(window).allMatch(r -> r.entries().size() == 50);
    assertThat(a.inflightAppends("b")).isEqualTo(window);

    int maxInflight = 0;
    List<Integer> batchSizes = new ArrayList<>();
    while (!net.inFlight.isEmpty()) {
      RaftMessage m = net.inFlight.pollFirst();
      if (m instanceof AppendEntriesRequest r && !r.entries().isEmpty()) {
        batchSizes.add(r.entries().size());
      }
      net.handle(m.to(), msg(m));
      maxInflight = Math.max(maxInflight, Math.max(a.inflightAppends("b"), a.inflightAppends("c")));
    }
    assertThat(maxInflight).isLessThanOrEqualTo(window);
    assertThat(a.commitIndex()).isEqualTo(a.log().lastIndex());
    assertThat(batchSizes).allMatch(n -> n <= 50);
    assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(2000);
  }

  /**
   * Pipelined requests may arrive out of order: a follower rejects the second (its log ends before
   * the second's previous entry), then takes the first and acknowledges it. The rejection carries
   * the higher sequence, yet the follower lost nothing: only a rejection of a request sent after
   * the acknowledgement arrived shows a log that went back.
   */
  @Test
  void aRejectionOvertakenByTheAcknowledgementOfAnEarlierRequestIsNoLostLog() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.electAndSettle("a");
    RaftCore a = net.core("a");
    net.propose("a", "first");
    net.propose("a", "second");
    List<AppendEntriesRequest> toB =
        net.inFlight.stream()
            .filter(m -> m instanceof AppendEntriesRequest r && r.to().equals("b"))
            .map(AppendEntriesRequest.class::cast)
            .toList();
    assertThat(toB).hasSize(2);
    net.dropAll();

    net.handle("b", msg(toB.get(1))); // overtakes the first: rejected
    net.handle("b", msg(toB.get(0))); // taken and acknowledged
    List<AppendEntriesResponse> answers =
        net.inFlight.stream()
            .filter(m -> m instanceof AppendEntriesResponse)
            .map(AppendEntriesResponse.class::cast)
            .toList();
    net.dropAll();
    AppendEntriesResponse rejection = answers.get(0);
    AppendEntriesResponse ack = answers.get(answers.size() - 1);
    assertThat(rejection.success()).isFalse();
    assertThat(rejection.sequence()).isGreaterThan(ack.sequence());
    net.handle("a", msg(ack));
    long matched = a.status(0, List.of()).followers().get("b").matchIndex();
    assertThat(matched).isEqualTo(toB.get(0).lastIndex());

    net.handle("a", msg(rejection));
    assertThat(a.status(0, List.of()).followers().get("b").matchIndex())
        .as("b's acknowledgement stands")
        .isEqualTo(matched);
  }

  @Test
  void aFollowerWhoseLogWentBackIsProbedAgainAndGetsItWhole() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    for (int i = 0; i < 5; i++) {
      net.propose("a", "cmd" + i);
      net.deliverAll();
    }
    RaftCore a = net.core("a");
    assertThat(a.status(0, List.of()).followers().get("b").matchIndex())
        .isEqualTo(a.log().lastIndex());
    CoreNetwork.Node b = net.node("b");
    b.stored.clear(); // its disk was replaced, its term kept elsewhere
    net.restart("b");

    for (int i = 0; i < 3; i++) {
      net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
      net.deliverAll();
    }
    assertThat(b.stored).isEqualTo(net.node("a").stored);
  }

  @Test
  void lostAppendInTheWindowIsResentAfterAHeartbeat() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.electAndSettle("a");
    net.propose("a", "lost");
    net.dropAll(); // the append to both followers is lost
    long index = net.core("a").log().lastIndex();
    assertThat(net.core("a").commitIndex()).isLessThan(index);
    for (int i = 0; i < 4 * CoreNetwork.HEARTBEAT_TICKS; i++) {
      net.tick("a", 1);
      net.tick("b", 1);
      net.tick("c", 1);
      net.deliverAll();
    }
    assertThat(net.core("a").commitIndex()).isEqualTo(index);
    assertThat(net.node("b").stored).isEqualTo(net.node("a").stored);
  }

  @Test
  void followerRejectsProposalsAndNamesTheLeader() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    net.propose("b", "x");
    assertThat(net.node("b").actions)
        .anyMatch(
            a ->
                a instanceof Action.ProposalRejected r
                    && r.error() instanceof io.reactiveraft.NotLeaderException nl
                    && nl.leaderId().equals(java.util.Optional.of("a")));
  }

  @Test
  void leaderStepsDownOnAHigherTermAndItsUncommittedEntryIsReplaced() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.electAndSettle("a");
    net.isolate("a");
    net.propose("a", "doomed");
    long doomed = net.core("a").log().lastIndex();
    net.deliverAll();
    String winner = null;
    for (int i = 0; i < 10 * CoreNetwork.ELECTION_TICKS && winner == null; i++) {
      net.tick("b", 1);
      net.tick("c", 1);
      net.deliverAll();
      winner =
          net.core("b").role() == Role.LEADER
              ? "b"
              : net.core("c").role() == Role.LEADER ? "c" : null;
    }
    assertThat(winner).isNotNull();
    net.propose(winner, "winner");
    net.deliverAll();
    net.heal();
    net.tick(winner, CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    net.tick(winner, CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    assertThat(net.core("a").role()).isEqualTo(Role.FOLLOWER);
    assertThat(net.node("a").stored).isEqualTo(net.node(winner).stored);
    assertThat(net.node("a").stored.get((int) doomed - 1).term())
        .isEqualTo(net.core(winner).term());
    assertThat(net.node("a").applied).isEqualTo(net.node(winner).applied);
  }
}
