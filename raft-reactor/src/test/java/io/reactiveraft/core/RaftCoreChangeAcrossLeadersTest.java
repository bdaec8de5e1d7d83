package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.MembershipChange;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.Role;
import io.reactiveraft.core.InjectedDefects.Defect;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.EntryType;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Ongaro's single-server change bug (raft-dev, 2015), played out: two changes proposed by leaders
 * of different terms, the first never committed, each forming a majority of its own configuration
 * that does not overlap the other's. The fix: a leader proposes a change only once an entry of its
 * own term has committed.
 */
class RaftCoreChangeAcrossLeadersTest {

  @AfterEach
  void switchOff() {
    InjectedDefects.set(Set.of());
  }

  @Test
  void changesOfTwoLeadersNeverCommitConflictingEntries() {
    Outcome outcome = play();
    assertThat(outcome.conflict()).as(outcome::toString).isNull();
    // The second leader was elected; the first never proposed its change, for its own term's
    // first entry could not commit without y or a.
    assertThat(outcome.secondLeader()).as(outcome::toString).isEqualTo("a");
    assertThat(outcome.firstLeaderProposed()).as(outcome::toString).isFalse();
  }

  /** The same scenario with the fix switched off loses a committed entry: the test has teeth. */
  @Test
  void withoutTheFixTheScenarioLosesACommittedEntry() {
    InjectedDefects.set(Set.of(Defect.CHANGE_BEFORE_OWN_TERM_COMMIT));
    Outcome outcome = play();
    assertThat(outcome.conflict()).as(outcome::toString).isNotNull();
  }

  private record Outcome(
      String firstLeader, String secondLeader, boolean firstLeaderProposed, String conflict) {}

  private static Outcome play() {
    CoreNetwork net = new CoreNetwork("a", "b", "c", "d");
    net.elect("a");
    net.propose("a", "x");
    net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
    net.deliverAll();

    // a, cut off, proposes {a, b, c}: the entry stays in its own log alone.
    net.isolate("a");
    net.handle("a", new RaftEvent.ChangeRequested(1, new MembershipChange.RemoveServer("d")));
    assertThat(net.node("a").stored.get(net.node("a").stored.size() - 1).type())
        .isEqualTo(EntryType.CONFIGURATION);

    // The others elect x in a later term, with the configuration {a, b, c, d}; its first
    // entries are not delivered yet.
    String elected = null;
    for (int i = 0; i < 30 * CoreNetwork.ELECTION_TICKS && elected == null; i++) {
      for (String id : List.of("b", "c", "d")) {
        net.tick(id, 1);
      }
      net.deliverWhile(m -> !(m instanceof AppendEntriesRequest));
      elected = leaderAmong(net, List.of("b", "c", "d"), 1);
    }
    assertThat(elected).as("a leader among b, c, d").isNotNull();
    String x = elected;
    String y = x.equals("b") ? "c" : "b"; // in a's new configuration, and about to be removed
    String z =
        List.of("b", "c", "d").stream()
            .filter(id -> !id.equals(x) && !id.equals(y))
            .findFirst()
            .orElseThrow();

    // x, cut off from y, proposes removing y: {a, x, z}, whose majority x and z form.
    net.cut(x, y);
    net.handle(x, new RaftEvent.ChangeRequested(2, new MembershipChange.RemoveServer(y)));
    for (int i = 0; i < 5; i++) {
      net.tick(x, CoreNetwork.HEARTBEAT_TICKS);
      net.deliverAll();
    }

    // x and z go quiet; a returns, and only y hears it. In {a, b, c}, a and y are a majority.
    net.isolate(x);
    net.isolate(z);
    net.rejoin("a");
    String second = null;
    long firstTerm = net.core(x).term();
    for (int i = 0; i < 30 * CoreNetwork.ELECTION_TICKS && second == null; i++) {
      net.tick("a", 1);
      net.tick(y, 1);
      net.deliverAll();
      second = leaderAmong(net, List.of("a", y), firstTerm + 1);
    }
    if (second != null) {
      for (int i = 0; i < 5; i++) {
        net.tick(second, CoreNetwork.HEARTBEAT_TICKS);
        net.deliverAll();
      }
    }

    // Whatever happened, what x committed and what the second leader committed must agree.
    String conflict = null;
    if (second != null) {
      RaftCore first = net.core(x);
      RaftCore later = net.core(second);
      long upTo = Math.min(first.commitIndex(), later.commitIndex());
      for (long i = 1; i <= upTo && conflict == null; i++) {
        if (!first.log().entry(i).equals(later.log().entry(i))) {
          conflict =
              "entry "
                  + i
                  + " committed as "
                  + first.log().entry(i)
                  + " by "
                  + x
                  + " and as "
                  + later.log().entry(i)
                  + " by "
                  + second;
        }
      }
    }
    boolean changeProposed =
        net.node(x).stored.stream().anyMatch(e -> e.type() == EntryType.CONFIGURATION);
    return new Outcome(x, second, changeProposed, conflict);
  }

  private static String leaderAmong(CoreNetwork net, List<String> ids, long fromTerm) {
    return ids.stream()
        .filter(id -> net.core(id).role() == Role.LEADER && net.core(id).term() >= fromTerm)
        .findFirst()
        .orElse(null);
  }
}
