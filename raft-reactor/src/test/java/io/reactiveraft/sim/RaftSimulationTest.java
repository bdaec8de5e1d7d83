package io.reactiveraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation: many seeds, each a cluster under faults and a workload, checked by
 * invariants and the linearizability checker.
 *
 * <p>{@code -Dsim.seeds=N} runs seeds 1..N (default 300); {@code -Dsim.seed=S} replays one. With
 * {@code -Dsim.fingerprint=true} each seed prints one {@code FINGERPRINT} line (its history's hash,
 * its end time and its faults): a run is a function of its seed, so a change meant to alter no
 * behaviour must leave every line as it was.
 */
class RaftSimulationTest {

  /** Seeds that once found a bug, in the library or in these checks, kept forever. */
  private static final long[] REGRESSION_SEEDS = {
    439, 660, 1156, 1236, 2227, 2327, 2474, 2527, 2736, 2802, 4982, 100424, 500139, 1102698, 9102300
  };

  static String replayLine(long seed) {
    return "mvn -pl raft-reactor test -Dtest='*Simulation*' -Dsim.seed=" + seed;
  }

  @Test
  void clusterStaysSafeAndLiveUnderFaults() {
    long started = System.nanoTime();
    long[] seeds = seeds();
    FaultCounters total = new FaultCounters();
    List<String> failures = new ArrayList<>();
    long ops = 0;
    int unchecked = 0;
    long simMillis = 0;
    for (long seed : seeds) {
      SimulationRun.Result r = SimulationRun.run(seed);
      total.addAll(r.counters());
      ops += r.operations();
      simMillis += r.simulatedMillis();
      if (r.historyUnchecked()) {
        unchecked++;
        System.out.println("# seed " + seed + ": history too large to check for linearizability");
      }
      if (!r.ok()) {
        failures.add(
            "seed "
                + seed
                + " ("
                + r.nodes()
                + " nodes): "
                + String.join("\n    ", r.violations())
                + "\n  replay: "
                + replayLine(seed));
      }
    }
    long wall = (System.nanoTime() - started) / 1_000_000_000;
    System.out.println("# faults: " + total);
    failures.forEach(f -> System.out.println("# FAILED " + f));
    System.out.println(
        "SIMULATION seeds="
            + seeds.length
            + " ops="
            + ops
            + " violations="
            + failures.size()
            + " unchecked_histories="
            + unchecked
            + " sim_seconds="
            + simMillis / 1000
            + " wall_seconds="
            + wall);
    assertThat(failures).isEmpty();
    assertThat(unchecked)
        .as("histories the checker could not decide")
        .isLessThanOrEqualTo(Math.max(1, seeds.length / 50));
    if (seeds.length >= 100) {
      for (FaultCounters.Kind kind : FaultCounters.Kind.values()) {
        assertThat(total.get(kind)).as("times %s fired", kind).isPositive();
      }
    }
  }

  private static long[] seeds() {
    String one = System.getProperty("sim.seed");
    if (one != null) {
      return new long[] {Long.parseLong(one)};
    }
    int n = Integer.getInteger("sim.seeds", 300);
    long first = Long.getLong("sim.firstSeed", 1);
    return LongStream.concat(LongStream.of(REGRESSION_SEEDS), LongStream.range(first, first + n))
        .toArray();
  }
}
