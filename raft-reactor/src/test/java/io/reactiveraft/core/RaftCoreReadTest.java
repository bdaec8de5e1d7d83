package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.Role;
import io.reactiveraft.message.AppendEntriesRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ReadIndex on the leader (thesis 6.4): when a read may be answered, and when it must fail. */
class RaftCoreReadTest {

  private static final long READ = 7;

  private static boolean answered(CoreNetwork net, String id) {
    return net.node(id).actions.stream()
        .anyMatch(a -> a instanceof Action.ReadReady r && r.requestId() == READ);
  }

  @Test
  void aNewLeaderAnswersNoReadBeforeAnEntryOfItsTermCommits() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    // Elected, but its no-op reaches nobody yet: it does not know the commit index.
    for (int i = 0;
        i < 10 * CoreNetwork.ELECTION_TICKS && net.core("a").role() != Role.LEADER;
        i++) {
      net.tick("a", 1);
      net.deliverWhile(m -> !(m instanceof AppendEntriesRequest));
    }
    assertThat(net.core("a").role()).isEqualTo(Role.LEADER);
    assertThat(net.core("a").commitIndex()).isZero();

    net.handle("a", new RaftEvent.ReadRequested(READ));
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverWhile(m -> !(m instanceof AppendEntriesRequest));
    // Heartbeats are held back too, so no round confirms the read here either way; what shows the
    // rule is the read index below: answered early, the read would have carried index 0.
    assertThat(answered(net, "a")).as("answered before the no-op committed").isFalse();

    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    assertThat(net.core("a").commitIndex()).isEqualTo(1);
    assertThat(net.node("a").actions).contains(new Action.ReadReady(READ, 1));
  }

  @Test
  void aLeaderDeposedDuringTheRoundFailsTheRead() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    net.isolate("b");
    net.isolate("c");
    net.handle("a", new RaftEvent.ReadRequested(READ));
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    assertThat(answered(net, "a")).as("no majority confirmed the round").isFalse();

    // b leads a later term (elected by b and c while a was cut off), and a hears of it.
    long term = net.core("a").term();
    net.handle(
        "a",
        new RaftEvent.MessageReceived(
            new AppendEntriesRequest("b", "a", term + 1, 0, 0, List.of(), 0, 1)));
    assertThat(net.core("a").role()).isEqualTo(Role.FOLLOWER);
    assertThat(net.node("a").actions)
        .anyMatch(
            a ->
                a instanceof Action.ReadFailed f
                    && f.requestId() == READ
                    && f.error() instanceof NotLeaderException);
    assertThat(answered(net, "a")).isFalse();
  }

  /** Voters a, b, c and a learner d: the learner's answers confirm nothing (thesis 4.2.1). */
  @Test
  void aLearnersAnswersDoNotConfirmARead() {
    ClusterConfiguration withLearner =
        new ClusterConfiguration(
            List.of(new Member("a", "a"), new Member("b", "b"), new Member("c", "c")),
            List.of(new Member("d", "d")));
    CoreNetwork net =
        new CoreNetwork(
            (self, ids) ->
                new CoreConfig(
                    self,
                    withLearner,
                    CoreNetwork.ELECTION_TICKS,
                    CoreNetwork.HEARTBEAT_TICKS,
                    true,
                    true,
                    50,
                    1 << 20,
                    4,
                    3,
                    0,
                    true,
                    false,
                    CoreConfig.DEFAULT_SNAPSHOT_CHUNK_BYTES),
            "a",
            "b",
            "c",
            "d");
    net.elect("a");
    net.isolate("b");
    net.isolate("c");
    net.handle("a", new RaftEvent.ReadRequested(READ));
    for (int i = 0; i < 3; i++) {
      net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
      net.deliverAll();
    }
    assertThat(net.core("d").leaderId()).as("the learner hears the leader").isEqualTo("a");
    assertThat(answered(net, "a")).as("confirmed by the leader and a learner alone").isFalse();

    net.rejoin("b");
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    assertThat(answered(net, "a")).as("confirmed once a voter answers").isTrue();
  }
}
