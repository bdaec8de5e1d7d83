package io.reactiveraft.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.Role;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.testing.RealTimeNodes;
import io.reactiveraft.testing.RecordingStateMachine;
import io.reactiveraft.testing.StringCodec;
import io.reactiveraft.transport.local.LocalNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Every node of a cluster stopped and started again on its directory keeps every write. */
class ClusterRestartTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final Scheduler networkScheduler = Schedulers.newSingle("restart-test-network");
  private final List<Member> members =
      IntStream.rangeClosed(1, 3).mapToObj(i -> new Member("n" + i, "local:n" + i)).toList();
  private final Map<String, RaftNode<String, String>> nodes = new LinkedHashMap<>();
  private final Map<String, RecordingStateMachine> machines = new LinkedHashMap<>();

  @AfterEach
  void stop() {
    Flux.fromIterable(nodes.values()).flatMap(RaftNode::close).blockLast(WAIT);
    networkScheduler.dispose();
  }

  private void startAll(LocalNetwork network, boolean bootstrap) {
    for (Member m : members) {
      start(m, network, bootstrap);
    }
  }

  private void start(Member m, LocalNetwork network, boolean bootstrap) {
    start(m, members, network, bootstrap);
  }

  private void start(Member m, List<Member> known, LocalNetwork network, boolean bootstrap) {
    RecordingStateMachine sm = new RecordingStateMachine();
    RaftConfig<String, String> config =
        RealTimeNodes.loadTolerant(RaftConfig.<String, String>builder())
            .members(known)
            .self(m.id())
            .transport(network.transport(m.id()))
            .logStore(RealTimeNodes.mappedLog(dir.resolve(m.id())))
            .stateMachine(sm)
            .codec(new StringCodec())
            .bootstrap(bootstrap)
            .build();
    nodes.put(m.id(), ReactiveRaft.start(config));
    machines.put(m.id(), sm);
  }

  /**
   * Submits {@code command} on whichever node leads, again on another if it was refused (a leader
   * deposed meanwhile); returns the id of the node that applied it.
   */
  private String submitOnTheLeader(String command) {
    return onTheLeader(
        command,
        node -> {
          assertThat(node.submit(command).block(WAIT)).endsWith(":" + command);
          return null;
        })[0];
  }

  /**
   * Calls {@code call} on whichever node leads, again on another if it was refused (a leader
   * deposed meanwhile); returns the id of the node that answered, and the answer.
   */
  private String[] onTheLeader(String what, Function<RaftNode<String, String>, String> call) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (var e : nodes.entrySet()) {
        if (e.getValue().status().block(WAIT).role() != Role.LEADER) {
          continue;
        }
        try {
          return new String[] {e.getKey(), call.apply(e.getValue())};
        } catch (NotLeaderException refused) {
          // deposed before it took the request, which had no effect: ask the next leader
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    throw new AssertionError("no leader answered " + what + " within " + WAIT);
  }

  private String awaitLeader() {
    return Flux.fromIterable(nodes.values())
        .flatMap(RaftNode::leaderChanges)
        .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
        .map(LeaderChange::leader)
        .blockFirst(WAIT);
  }

  /**
   * The commit index each node's log recorded lets a node restarted on its own, with no leader to
   * tell it anything, apply every write it knew committed before it stopped.
   */
  @Test
  void aNodeRestartedAloneAppliesWhatItKnewCommitted() {
    startAll(new LocalNetwork(networkScheduler, 1), true);
    List<String> acknowledged = writeOnTheLeader(awaitLeader(), 100);
    // Every node has applied them all, so each knows them committed.
    awaitApplied(machines.values(), acknowledged);
    closeAll();

    start(members.get(0), new LocalNetwork(networkScheduler, 2), false);

    awaitApplied(machines.values(), acknowledged);
    RaftNode<String, String> alone = nodes.get(members.get(0).id());
    assertThat(alone.status().block(WAIT).role()).isNotEqualTo(Role.LEADER);
    assertThat(alone.status().block(WAIT).commitIndex()).isGreaterThan(acknowledged.size());
  }

  /** Writes {@code count} commands on {@code leader}, 16 at a time; returns those acknowledged. */
  private List<String> writeOnTheLeader(String leader, int count) {
    return Flux.range(0, count)
        .flatMap(i -> nodes.get(leader).submit("w" + i).map(r -> "w" + i), 16)
        .collectList()
        .block(WAIT);
  }

  private void closeAll() {
    Flux.fromIterable(nodes.values()).flatMap(RaftNode::close).blockLast(WAIT);
    nodes.clear();
    machines.clear();
  }

  /** Polls until every machine has applied {@code commands} and nothing else. */
  private static void awaitApplied(
      java.util.Collection<RecordingStateMachine> machines, List<String> commands) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (RecordingStateMachine machine : machines) {
      while (machine.applied().size() < commands.size()) {
        assertThat(System.nanoTime())
            .as("%d commands applied within %s", commands.size(), WAIT)
            .isLessThan(deadline);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
      assertThat(machine.applied()).containsExactlyInAnyOrderElementsOf(commands);
    }
  }

  @Test
  void everyAcknowledgedWriteSurvivesARestartOfEveryNode() {
    startAll(new LocalNetwork(networkScheduler, 1), true);
    List<String> acknowledged = writeOnTheLeader(awaitLeader(), 200);
    assertThat(acknowledged).hasSize(200);
    long[] terms = nodes.values().stream().mapToLong(n -> n.status().block(WAIT).term()).toArray();

    closeAll();

    // Not bootstrapped: the data on disk is what lets them vote again.
    startAll(new LocalNetwork(networkScheduler, 2), false);
    awaitLeader();
    // A read before any new write: the new leader must first commit an entry of its own term
    // (thesis 6.4), which commits, and so applies, everything acknowledged before the restart.
    String read = onTheLeader("a read", node -> node.read("count").block(WAIT))[1];
    assertThat(Integer.parseInt(read.substring("applied=".length())))
        .isGreaterThanOrEqualTo(acknowledged.size());
    // Answered once applied on the leader, so its state machine holds everything before it.
    String next = submitOnTheLeader("after-restart");
    assertThat(machines.get(next).applied())
        .containsAll(acknowledged)
        .contains("after-restart")
        .doesNotHaveDuplicates();
    int i = 0;
    for (RaftNode<String, String> n : nodes.values()) {
      assertThat(n.status().block(WAIT).term()).isGreaterThanOrEqualTo(terms[i++]);
    }
  }

  /**
   * A node restarted with the members it was first started with still talks to a member added
   * since: its transport learns the members of the configuration its log holds, not only those it
   * was given.
   */
  @Test
  void aMemberAddedSinceTheFirstStartIsStillAPeerAfterARestart() {
    LocalNetwork network = new LocalNetwork(networkScheduler, 1);
    startAll(network, true);
    String leader = awaitLeader();
    Member fourth = new Member("n4", "local:n4");
    List<Member> withFourth =
        java.util.stream.Stream.concat(members.stream(), java.util.stream.Stream.of(fourth))
            .toList();
    start(fourth, withFourth, network, false);
    nodes.get(leader).addServer(fourth).block(WAIT);
    List<String> before = writeOnTheLeader(leader, 10);
    awaitApplied(List.of(machines.get("n4")), before);
    closeAll();

    LocalNetwork again = new LocalNetwork(networkScheduler, 2);
    startAll(again, false); // with the three members they were first given
    start(fourth, withFourth, again, false);
    awaitLeader();
    submitOnTheLeader("after-restart");

    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!machines.get("n4").applied().contains("after-restart")) {
      assertThat(System.nanoTime()).as("n4 applies the write within %s", WAIT).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    assertThat(nodes.get("n4").status().block(WAIT).members()).hasSize(4);
  }
}
