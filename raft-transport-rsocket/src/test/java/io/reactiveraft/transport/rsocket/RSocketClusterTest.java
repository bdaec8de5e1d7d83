package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;

/** Whole nodes over RSocket on 127.0.0.1. */
class RSocketClusterTest {

  @Test
  @Timeout(120)
  void electsReplicatesTenThousandCommandsSurvivesARestartAndReleasesEverything() {
    RSocketCluster cluster = new RSocketCluster(3);
    try {
      String leader = cluster.awaitLeader();

      List<String> first = RSocketCluster.commands("c", 10_000);
      Map<String, String> results = cluster.submitAll(leader, first, 1_000);
      assertThat(results).hasSize(first.size());
      results.forEach((command, result) -> assertThat(result).endsWith(":" + command));
      cluster.awaitConverged(leader);
      List<String> applied = cluster.stateMachine(leader).applied();
      assertThat(applied).containsExactlyElementsOf(first);
      for (String id : cluster.running()) {
        assertThat(cluster.stateMachine(id).applied()).as(id).isEqualTo(applied);
      }

      // The leader goes away; the others elect a new one and go on without it.
      cluster.stop(leader);
      String next = cluster.awaitLeader();
      List<String> second = RSocketCluster.commands("d", 500);
      assertThat(cluster.submitAll(next, second, 100)).hasSize(second.size());

      // A blank node takes the old leader's id and address; its peers redial it and it catches up.
      cluster.start(leader);
      cluster.awaitConverged(next);
      assertThat(cluster.stateMachine(leader).applied())
          .hasSize(first.size() + second.size())
          .isEqualTo(cluster.stateMachine(next).applied());
      assertThat(cluster.awaitLeader()).isEqualTo(next);
    } finally {
      cluster.close();
    }
    for (Member m : cluster.members()) {
      Loopback.assertPortFree(Loopback.port(m.address()));
    }
    Loopback.assertNoThreads("raft-rsocket-");
  }

  @Test
  @Timeout(60)
  void aFollowerRestartedWithAnEmptyLogCatchesUp() {
    try (RSocketCluster cluster = new RSocketCluster(3)) {
      String leader = cluster.awaitLeader();
      assertThat(cluster.submitAll(leader, RSocketCluster.commands("c", 100), 100)).hasSize(100);
      String follower =
          cluster.running().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      cluster.stop(follower);
      cluster.start(follower);
      cluster.awaitConverged(leader);
      assertThat(cluster.stateMachine(follower).applied())
          .isEqualTo(cluster.stateMachine(leader).applied());
    }
  }

  @Test
  @Timeout(60)
  void nodesOnSharedEventLoopsRunTheirLoopOnTheTransportThreadAndSurviveARestart() {
    RSocketCluster cluster = new RSocketCluster(3, UnaryOperator.identity(), true);
    try {
      String leader = cluster.awaitLeader();
      Set<String> loopThreads = ConcurrentHashMap.newKeySet();
      Disposable watch =
          cluster
              .node(leader)
              .events()
              .subscribe(e -> loopThreads.add(Thread.currentThread().getName()));
      List<String> first = RSocketCluster.commands("c", 2_000);
      assertThat(cluster.submitAll(leader, first, 200)).hasSize(first.size());
      watch.dispose();
      // One thread ran the leader's loop, and it is the transport's event loop thread.
      assertThat(loopThreads).singleElement().asString().startsWith("raft-shared-" + leader);

      String follower =
          cluster.running().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      cluster.stop(follower);
      cluster.start(follower); // on the same loop, which outlives the node
      List<String> second = RSocketCluster.commands("d", 200);
      assertThat(cluster.submitAll(leader, second, 50)).hasSize(second.size());
      cluster.awaitConverged(leader);
      assertThat(cluster.stateMachine(follower).applied())
          .hasSize(first.size() + second.size())
          .isEqualTo(cluster.stateMachine(leader).applied());
    } finally {
      cluster.close();
    }
    Loopback.assertNoThreads("raft-shared-");
    Loopback.assertNoThreads("raft-rsocket-");
  }
}
