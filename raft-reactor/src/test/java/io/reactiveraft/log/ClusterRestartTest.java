package io.reactiveraft.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.testing.RealTimeNodes;
import io.reactiveraft.testing.RecordingStateMachine;
import io.reactiveraft.testing.StringCodec;
import io.reactiveraft.transport.local.LocalNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
      RecordingStateMachine sm = new RecordingStateMachine();
      RaftConfig<String, String> config =
          RealTimeNodes.loadTolerant(RaftConfig.<String, String>builder())
              .members(members)
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
  }

  private String awaitLeader() {
    return Flux.fromIterable(nodes.values())
        .flatMap(RaftNode::leaderChanges)
        .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
        .map(LeaderChange::leader)
        .blockFirst(WAIT);
  }

  @Test
  void everyAcknowledgedWriteSurvivesARestartOfEveryNode() {
    startAll(new LocalNetwork(networkScheduler, 1), true);
    String leader = awaitLeader();
    List<String> acknowledged =
        Flux.range(0, 200)
            .flatMap(i -> nodes.get(leader).submit("w" + i).map(r -> "w" + i), 16)
            .collectList()
            .block(WAIT);
    assertThat(acknowledged).hasSize(200);
    long[] terms = nodes.values().stream().mapToLong(n -> n.status().block(WAIT).term()).toArray();

    Flux.fromIterable(nodes.values()).flatMap(RaftNode::close).blockLast(WAIT);
    nodes.clear();
    machines.clear();

    // Not bootstrapped: the data on disk is what lets them vote again.
    startAll(new LocalNetwork(networkScheduler, 2), false);
    String next = awaitLeader();
    List<String> after = new ArrayList<>();
    nodes.get(next).submit("after-restart").subscribe(after::add);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (machines.get(next).applied().size() < 201 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(machines.get(next).applied()).containsAll(acknowledged).contains("after-restart");
    int i = 0;
    for (RaftNode<String, String> n : nodes.values()) {
      assertThat(n.status().block(WAIT).term()).isGreaterThanOrEqualTo(terms[i++]);
    }
  }
}
