package io.reactiveraft.transport.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.Member;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

class LocalNetworkTest {

  private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
  private final LocalNetwork network = new LocalNetwork(scheduler, 9);
  private final List<Member> members =
      List.of(new Member("a", "l:a"), new Member("b", "l:b"), new Member("c", "l:c"));
  private final List<RaftMessage> atB = new ArrayList<>();
  private final List<RaftMessage> atC = new ArrayList<>();
  private Transport a;

  @BeforeEach
  void start() {
    a = network.transport("a");
    a.start(members.get(0), List.of(members.get(1), members.get(2))).subscribe();
    network.transport("b").start(members.get(1), List.of(members.get(0))).subscribe(atB::add);
    network.transport("c").start(members.get(2), List.of(members.get(0))).subscribe(atC::add);
  }

  private static VoteRequest vote(String to, long term) {
    return new VoteRequest("a", to, term, 0, 0, false);
  }

  @Test
  void deliversMessagesUnchanged() {
    a.send(vote("b", 1));
    assertThat(atB).containsExactly(vote("b", 1));
  }

  @Test
  void partitionCutsLinksBetweenGroupsAndHealRestoresThem() {
    network.partition(Set.of("a", "c"), Set.of("b"));
    a.send(vote("b", 1));
    a.send(vote("c", 1));
    assertThat(atB).isEmpty();
    assertThat(atC).hasSize(1);
    network.heal();
    a.send(vote("b", 2));
    assertThat(atB).containsExactly(vote("b", 2));
  }

  @Test
  void messageInFlightWhenALinkIsCutIsLost() {
    network.addRule(LinkRule.delay(null, null, null, Duration.ofMillis(10), Duration.ofMillis(10)));
    a.send(vote("b", 1));
    network.isolate("b");
    scheduler.advanceTimeBy(Duration.ofMillis(20));
    assertThat(atB).isEmpty();
  }

  @Test
  void dropRuleAppliesOnlyToItsLinkAndKind() {
    network.addRule(LinkRule.drop("a", "b", VoteRequest.class, 1.0));
    a.send(vote("b", 1));
    a.send(new VoteResponse("a", "b", 1, true, false));
    a.send(vote("c", 1));
    assertThat(atB).singleElement().isInstanceOf(VoteResponse.class);
    assertThat(atC).hasSize(1);
  }

  @Test
  void duplicateRuleDeliversTwice() {
    network.addRule(LinkRule.duplicate(null, "b", null, 1.0));
    a.send(vote("b", 1));
    assertThat(atB).hasSize(2);
  }

  @Test
  void randomDelaysReorderMessages() {
    network.addRule(LinkRule.delay(null, null, null, Duration.ZERO, Duration.ofMillis(50)));
    for (int term = 1; term <= 50; term++) {
      a.send(vote("b", term));
    }
    scheduler.advanceTimeBy(Duration.ofMillis(100));
    List<Long> terms = atB.stream().map(RaftMessage::term).toList();
    assertThat(terms).hasSize(50).isNotEqualTo(terms.stream().sorted().toList());
  }

  @Test
  void sendingToAStrangerIsRefused() {
    assertThatThrownBy(() -> a.send(vote("zed", 1))).isInstanceOf(IllegalArgumentException.class);
  }
}
