package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.RaftEvent;
import io.reactiveraft.Role;
import io.reactiveraft.message.TimeoutNow;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.spi.LostEntries;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node whose store cut its log at damage (it lost entries it had acknowledged) must not help a
 * server that lacks those entries win an election: TESTING.md's "a corrupted committed entry on a
 * minority must not lose the entry or win an election".
 */
class RaftCoreLostEntriesTest {

  /**
   * a and b commit entries that c never saw; b's copy is then damaged and cut back to c's length.
   * With a down, c's log looks as up to date as b's, and c would win with b's vote and overwrite
   * the committed entries.
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

    // b's store is cut at damage at index 2, down to what c holds, and remembers what it lost.
    cut(net, "b", 1, committed);
    net.isolate("a");
    net.rejoin("c");

    // Told to campaign at once (a transfer's TimeoutNow), b does not.
    long term = net.core("b").term();
    net.handle("b", new RaftEvent.MessageReceived(new TimeoutNow("a", "b", term)));
    assertThat(net.core("b").role()).isEqualTo(Role.FOLLOWER);
    assertThat(net.core("b").term()).isEqualTo(term);

    for (int round = 0; round < 20 * CoreNetwork.ELECTION_TICKS; round++) {
      net.tick("b", 1);
      net.tick("c", 1);
      net.deliverAll();
      assertThat(net.core("c").role()).isNotEqualTo(Role.LEADER);
      assertThat(net.core("b").role()).isNotEqualTo(Role.LEADER);
    }
    List<VoteResponse> toC =
        net.sent(VoteResponse.class).stream()
            .filter(r -> r.from().equals("b") && r.to().equals("c"))
            .toList();
    assertThat(toC).as("c asked b, with a log as up to date as b's").isNotEmpty();
    assertThat(toC).noneMatch(VoteResponse::granted);
    assertThat(net.sent(VoteRequest.class).stream().filter(r -> r.from().equals("b")))
        .as("b never campaigns")
        .isEmpty();
    assertThat(net.core("b").status(0, List.of()).lostIndexMissing())
        .as("its status says what it waits for")
        .isEqualTo(committed);

    // a returns and sends b what it lost: b takes part in elections again. With a down once
    // more, b and c elect one of them, which needs b's vote or b's campaign.
    net.rejoin("a");
    for (int i = 0; i < 5; i++) {
      net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
      net.deliverAll();
    }
    assertThat(net.core("b").log().lastIndex()).isGreaterThanOrEqualTo(committed);
    for (String id : List.of("b", "c")) {
      assertThat(net.core(id).log().entry(committed))
          .isEqualTo(net.core("a").log().entry(committed));
    }
    assertThat(net.core("b").status(0, List.of()).lostIndexMissing()).isZero();
    net.isolate("a");
    assertThat(electAmong(net, List.of("b", "c"), "a")).as("b or c elected").isTrue();
  }

  /**
   * What b lost lies beyond anything the others will write soon (it was never committed). A leader
   * elected after the loss holds every committed entry, so an entry of its term on b is enough: b
   * votes again without waiting for the log to reach the lost index.
   */
  @Test
  void anEntryOfALeaderElectedAfterTheLossIsEnough() {
    CoreNetwork net = new CoreNetwork("a", "b", "c");
    net.elect("a");
    net.propose("a", "x");
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();
    long last = net.core("b").log().lastIndex();
    cut(net, "b", last, last + 100);

    // a hands over to c: an election in a later term, which b sits out.
    net.requestTransfer("a", 9, "c");
    for (int i = 0;
        i < 5 * CoreNetwork.ELECTION_TICKS && net.core("c").role() != Role.LEADER;
        i++) {
      for (String id : List.of("a", "b", "c")) {
        net.tick(id, 1);
      }
      net.deliverAll();
    }
    assertThat(net.core("c").role()).isEqualTo(Role.LEADER);
    for (int i = 0; i < 3; i++) {
      net.tick("c", CoreNetwork.HEARTBEAT_TICKS);
      net.deliverAll();
    }
    assertThat(net.core("b").log().lastIndex()).isLessThan(last + 100);

    // With c down, a and b must be able to elect one of them.
    net.isolate("c");
    assertThat(electAmong(net, List.of("a", "b"), "c")).as("a or b elected").isTrue();
  }

  /**
   * A node that sees itself as the only voter stays out too: the cut may have taken the entries
   * that added the other members, and the configuration it falls back to is then its first one.
   * Electing itself alone would give the cluster two leaders.
   */
  @Test
  void aNodeThatSeesItselfAsTheOnlyVoterStaysOutToo() {
    CoreNetwork net = new CoreNetwork("solo");
    net.elect("solo");
    net.propose("solo", "x");
    long last = net.core("solo").log().lastIndex();
    cut(net, "solo", 1, last);
    net.tick("solo", 20 * CoreNetwork.ELECTION_TICKS);
    assertThat(net.core("solo").role()).isEqualTo(Role.FOLLOWER);
  }

  /** Cuts {@code id}'s stored log after {@code keep} entries, as a restart at damage would. */
  private static void cut(CoreNetwork net, String id, long keep, long lostUpTo) {
    CoreNetwork.Node n = net.node(id);
    n.stored.subList((int) keep, n.stored.size()).clear();
    n.lost = new LostEntries(lostUpTo, n.hardState.currentTerm());
    net.restart(id);
  }

  private static boolean electAmong(CoreNetwork net, List<String> ids, String down) {
    for (int i = 0; i < 20 * CoreNetwork.ELECTION_TICKS; i++) {
      if (ids.stream().anyMatch(id -> net.core(id).role() == Role.LEADER)) {
        return true;
      }
      ids.forEach(id -> net.tick(id, 1));
      net.deliverAll();
    }
    return false;
  }
}
