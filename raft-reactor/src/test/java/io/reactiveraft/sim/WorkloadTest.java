package io.reactiveraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.sim.Operation.Outcome;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WorkloadTest {

  /**
   * The checker takes operations whose times touch as overlapping. A client's next operation often
   * starts at the instant its last one completed (no think time), so unless the recorded times are
   * strictly ordered, a stale read right after the client's own write would pass unseen.
   */
  @Test
  void recordedTimesFollowTheOrderEventsHappenedIn() {
    long seed = 7;
    SplittableRandom random = new SplittableRandom(seed);
    List<Operation> history;
    try (SimCluster cluster = new SimCluster(3, seed, random.split(), new FaultCounters())) {
      cluster.network.addRule(cluster.baseLatency);
      Workload workload = new Workload(cluster, random.split(), 4, 2);
      cluster.clock.advanceTimeBy(Duration.ofSeconds(3));
      workload.stop();
      cluster.clock.advanceTimeBy(Duration.ofSeconds(3));
      assertThat(workload.idle()).as("drained").isTrue();
      history = workload.history();
    }
    assertThat(history.stream().filter(o -> o.outcome() == Outcome.OK)).hasSizeGreaterThan(100);

    Set<Long> stamps = new HashSet<>();
    for (Operation op : history) {
      assertThat(stamps.add(op.invokedAt())).as("invocation of %s stamped alone", op).isTrue();
      if (op.completedAt() != Long.MAX_VALUE) {
        assertThat(stamps.add(op.completedAt())).as("completion of %s stamped alone", op).isTrue();
      }
    }
    // History order is completion order, and each client has one operation in flight at a time.
    var byClient = history.stream().collect(Collectors.groupingBy(Operation::client));
    for (List<Operation> ops : byClient.values()) {
      for (int i = 1; i < ops.size(); i++) {
        Operation last = ops.get(i - 1);
        if (last.completedAt() != Long.MAX_VALUE) {
          assertThat(ops.get(i).invokedAt()).isGreaterThan(last.completedAt());
        }
      }
    }
  }
}
