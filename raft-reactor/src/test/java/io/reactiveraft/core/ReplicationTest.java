package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The leader's replication to one follower at a time: probing, the window, conflict hints,
 * snapshots for followers the log no longer serves, commit announcements, stalls.
 *
 * <p>The log holds 1..4 of term 1 and 5..10 of term 2; the leader is in term 2, sends at most two
 * entries per request and keeps at most two requests in flight per follower.
 */
class ReplicationTest {

  private static final CoreConfig CONFIG =
      new CoreConfig(
          "n1",
          CoreConfig.votersNamed(List.of("n1", "n2", "n3")),
          10, // election ticks
          2, // heartbeat ticks
          true, // pre-vote
          true, // check-quorum
          2, // entries per AppendEntries
          1 << 20, // bytes per AppendEntries
          2, // AppendEntries in flight per follower
          3, // catch-up rounds
          0, // no leases
          true); // bootstrapped

  /** The leader's state as replication reads it; tests move it. */
  private static final class FakeLeader implements Replication.Leader {
    long commitIndex;
    long now;
    SnapshotMeta snapshot;

    @Override
    public long term() {
      return 2;
    }

    @Override
    public long commitIndex() {
      return commitIndex;
    }

    @Override
    public long now() {
      return now;
    }

    @Override
    public long clockNanos() {
      return now * 1_000_000;
    }

    @Override
    public SnapshotMeta snapshot() {
      return snapshot;
    }
  }

  /** What a request carried: where it checks, the indexes it brings, the commit it tells. */
  private record Sent(String to, long prev, List<Long> entries, long commit) {}

  private final Outbox outbox = new Outbox();
  private final FakeLeader leader = new FakeLeader();

  private Replication replicationOf(RaftLog log) {
    LeadershipTransfer transfer = new LeadershipTransfer(outbox);
    return new Replication(
        CONFIG, log, outbox, transfer, new SnapshotSender(CONFIG, outbox), leader);
  }

  /** The leader replicates to {@code peers}, in a configuration of them and itself. */
  private static void follow(Replication replication, String... peers) {
    List<String> ids = new ArrayList<>(List.of("n1"));
    ids.addAll(List.of(peers));
    replication.trackMembersOf(CoreConfig.votersNamed(ids));
  }

  private static RaftLog tenEntries() {
    RaftLog log = new RaftLog();
    for (long i = 1; i <= 10; i++) {
      log.append(LogEntry.noop(i, i <= 4 ? 1 : 2));
    }
    return log;
  }

  private List<Sent> sent() {
    List<Sent> sent = new ArrayList<>();
    for (Action a : outbox.drain(null, true, 2, null)) {
      if (a instanceof Action.Send send && send.message() instanceof AppendEntriesRequest r) {
        sent.add(
            new Sent(
                r.to(),
                r.prevLogIndex(),
                r.entries().stream().map(LogEntry::index).toList(),
                r.leaderCommit()));
      }
    }
    return sent;
  }

  private static AppendEntriesResponse accepted(String from, long matchIndex, long sequence) {
    return new AppendEntriesResponse(from, "n1", 2, true, matchIndex, 0, 0, sequence);
  }

  private static AppendEntriesResponse rejected(
      long checkedAt, long conflictTerm, long conflictIndex, long sequence) {
    return new AppendEntriesResponse(
        "n2", "n1", 2, false, checkedAt, conflictTerm, conflictIndex, sequence);
  }

  @Test
  void aFollowerIsProbedOnceUntilItAnswersThenSentTheRestWithinItsWindow() {
    Replication replication = replicationOf(tenEntries());
    follow(replication, "n2");

    replication.replicateToAll();
    replication.replicateToAll();
    assertThat(sent()).containsExactly(new Sent("n2", 10, List.of(), 0));

    assertThat(replication.onAnswer(rejected(10, 0, 3, 1))).isFalse(); // its log ends at 2
    replication.replicateToAll();
    assertThat(sent()).containsExactly(new Sent("n2", 2, List.of(3L, 4L), 0));

    assertThat(replication.onAnswer(accepted("n2", 4, 2))).isTrue();
    replication.replicateToAll();
    assertThat(sent())
        .containsExactly(
            new Sent("n2", 4, List.of(5L, 6L), 0), new Sent("n2", 6, List.of(7L, 8L), 0));
    assertThat(replication.inflightAppends("n2")).isEqualTo(2);

    replication.onAnswer(accepted("n2", 6, 3));
    replication.replicateToAll();
    assertThat(sent()).containsExactly(new Sent("n2", 8, List.of(9L, 10L), 0));
  }

  @Test
  void aRejectionNamingATermSkipsToTheLeadersLastEntryOfThatTerm() {
    Replication replication = replicationOf(tenEntries());
    follow(replication, "n2");
    replication.replicateToAll();
    sent();

    // The follower holds term 1 at index 10, from index 3 on: the leader's term 1 ends at 4.
    replication.onAnswer(rejected(10, 1, 3, 1));
    replication.replicateToAll();

    assertThat(sent()).containsExactly(new Sent("n2", 4, List.of(5L, 6L), 0));
  }

  @Test
  void aFollowerBehindTheStartOfTheLogGetsTheSnapshot() {
    List<LogEntry> after = new ArrayList<>();
    for (long i = 6; i <= 10; i++) {
      after.add(LogEntry.noop(i, 2));
    }
    Replication replication = replicationOf(new RaftLog(5, 1, after));
    leader.snapshot = new SnapshotMeta(5, 1, CONFIG.initialConfiguration(), 100);
    follow(replication, "n2");
    replication.replicateToAll();
    sent();

    replication.onAnswer(rejected(10, 0, 1, 1)); // an empty follower
    replication.replicateToAll();

    List<Action> out = outbox.drain(null, true, 2, null);
    assertThat(out).hasSize(1);
    assertThat(out.get(0)).isInstanceOf(Action.SendSnapshotChunk.class);
    assertThat(((Action.SendSnapshotChunk) out.get(0)).to()).isEqualTo("n2");
  }

  @Test
  void idleFollowersHearTheCommitIndexUpToWhatTheyHoldAndOnlyOnce() {
    Replication replication = replicationOf(tenEntries());
    follow(replication, "n2", "n3");
    replication.replicateToAll();
    sent();
    replication.onAnswer(accepted("n2", 10, 1));
    replication.onAnswer(accepted("n3", 4, 2));
    replication.replicateToAll();
    sent(); // n3's window takes the rest, unanswered

    leader.commitIndex = 8;
    replication.announceCommit();
    replication.announceCommit();

    // n3 is told the commit at its match index, so it takes no more of it than it is known to hold.
    assertThat(sent())
        .containsExactly(new Sent("n2", 10, List.of(), 8), new Sent("n3", 4, List.of(), 8));
  }

  @Test
  void aStalledWindowIsProbedAgainFromWhatTheFollowerHolds() {
    Replication replication = replicationOf(tenEntries());
    follow(replication, "n2");
    replication.replicateToAll();
    replication.onAnswer(rejected(10, 0, 3, 1));
    replication.replicateToAll();
    replication.onAnswer(accepted("n2", 4, 2));
    replication.replicateToAll();
    assertThat(sent()).hasSize(4); // two probes, then a full window: 5..6 and 7..8

    leader.now = 2L * CONFIG.heartbeatTicks() + 1; // no answer since
    replication.heartbeatAll();
    replication.replicateToAll();

    assertThat(sent())
        .containsExactly(new Sent("n2", 4, List.of(), 0), new Sent("n2", 4, List.of(5L, 6L), 0));
  }

  @Test
  void requestSequencesKeepCountingAcrossLeaderships() {
    Replication replication = replicationOf(tenEntries());
    follow(replication, "n2");
    replication.replicateToAll();
    replication.clear();
    follow(replication, "n2");
    replication.replicateToAll();

    assertThat(replication.lastSequence()).isEqualTo(2);
    assertThat(replication.progressOf("n2").nextIndex).isEqualTo(11);
  }
}
