package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Role;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node whose store cut its log at damage (it lost entries it had acknowledged) must not help a
 * server that lacks those entries win an election: TESTING.md's "a corrupted committed entry on a
 * minority must not lose the entry or win an election".
 */
class RaftCoreLostEntriesTest {

  /**
   * a and b commit entries that c never saw; b's copy is then damaged and cut. With a down, b's
   * shorter log would make c look up to date to b, and c would win with b's vote and overwrite the
   * committed entries.
   */
  @Test
  void aNodeThatLostAcknowledgedEntriesHelpsNoLaggardWinUntilItHasThemAgain() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    net.isolate("c");
    for (int i = 0; i < 5; i++) {
      net.propose("a", "cmd-" + i);
    }
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    long committed = net.core("a").commitIndex();
    assertThat(committed).isEqualTo(6); // the no-op and five commands
    assertThat(net.core("b").log().lastIndex()).isEqualTo(committed);
    assertThat(net.core("c").log().lastIndex()).isEqualTo(1);

    // b's store is cut at damage at index 3 and remembers what it had acknowledged.
    CoreNetwork.Node b = net.node("b");
    b.stored.subList(2, b.stored.size()).clear();
    b.lostDurableIndex = committed;
    net.restart("b");
    net.isolate("a");
    net.rejoin("c");
    for (int round = 0; round < 20 * CoreNetwork.ELECTION_TICKS; round++) {
      net.tick("b", 1);
      net.tick("c", 1);
      net.deliverAll();
      assertThat(net.core("c").role()).isNotEqualTo(Role.LEADER);
      assertThat(net.core("b").role()).isNotEqualTo(Role.LEADER);
    }
    assertThat(
            net.sent(VoteResponse.class).stream()
                .filter(r -> r.from().equals("b") && r.to().equals("c")))
        .as("c asked b")
        .isNotEmpty()
        .noneMatch(VoteResponse::granted);
    assertThat(net.sent(VoteRequest.class).stream().filter(r -> r.from().equals("b")))
        .as("b never campaigns")
        .isEmpty();

    // a returns, wins (b may not vote, c does), and sends b what it lost: b votes again.
    net.rejoin("a");
    for (int i = 0; i < 20 * CoreNetwork.ELECTION_TICKS && !hasLeader(net); i++) {
      for (String id : List.of("a", "b", "c")) {
        net.tick(id, 1);
      }
      net.deliverAll();
    }
    assertThat(net.core("a").role()).isEqualTo(Role.LEADER);
    for (int i = 0; i < 5; i++) {
      net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
      net.deliverAll();
    }
    assertThat(net.core("b").log().lastIndex()).isGreaterThanOrEqualTo(committed);
    for (String id : List.of("b", "c")) {
      assertThat(net.core(id).log().entry(committed))
          .isEqualTo(net.core("a").log().entry(committed));
    }
    // b holds them again and takes part in elections: with a down, b and c elect one of them,
    // which needs b's vote or b's campaign.
    net.isolate("a");
    for (int i = 0; i < 20 * CoreNetwork.ELECTION_TICKS && !hasLeaderBesides(net, "a"); i++) {
      net.tick("b", 1);
      net.tick("c", 1);
      net.deliverAll();
    }
    assertThat(hasLeaderBesides(net, "a")).as("b or c elected").isTrue();
  }

  private static boolean hasLeaderBesides(CoreNetwork net, String down) {
    return net.nodes.keySet().stream()
        .anyMatch(id -> !id.equals(down) && net.core(id).role() == Role.LEADER);
  }

  private static boolean hasLeader(CoreNetwork net) {
    return net.nodes.keySet().stream().anyMatch(id -> net.core(id).role() == Role.LEADER);
  }
}
