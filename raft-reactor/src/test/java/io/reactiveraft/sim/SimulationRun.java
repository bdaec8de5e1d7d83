package io.reactiveraft.sim;

import io.reactiveraft.RaftStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * One simulation: a cluster of 3 or 5 nodes under a workload and a nemesis, all drawn from one
 * seed, checked by invariants every step and by the linearizability checker at the end.
 */
final class SimulationRun {

  static final Duration STEP = Duration.ofMillis(10);
  static final Duration FAULT_PHASE = Duration.ofSeconds(12);
  static final Duration LIVENESS_BOUND = Duration.ofSeconds(10);
  static final Duration DRAIN = Duration.ofSeconds(3);

  /** The most the last reads of every key may take, retries and their timeouts included. */
  static final Duration FINAL_READS = Duration.ofSeconds(30);

  /** What one seed produced. */
  record Result(
      long seed,
      int nodes,
      int operations,
      List<String> violations,
      FaultCounters counters,
      long simulatedMillis,
      boolean historyUnchecked) {

    boolean ok() {
      return violations.isEmpty();
    }
  }

  private SimulationRun() {}

  static Result run(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int size = random.nextBoolean() ? 3 : 5;
    FaultCounters counters = new FaultCounters();
    List<String> violations = new ArrayList<>();
    boolean inconclusive = false;
    int operations = 0;
    long simulated = 0;
    try (SimCluster cluster = new SimCluster(size, seed, random.split(), counters)) {
      cluster.network.addRule(cluster.baseLatency);
      Invariants invariants = new Invariants(cluster);
      Workload workload =
          new Workload(cluster, random.split(), 2 + random.nextInt(4), 1 + random.nextInt(3));
      Nemesis nemesis = new Nemesis(cluster, random.split());

      long steps = FAULT_PHASE.toMillis() / STEP.toMillis();
      for (long i = 0; i < steps && cluster.violations.isEmpty(); i++) {
        nemesis.step();
        cluster.clock.advanceTimeBy(STEP);
        invariants.check();
      }
      nemesis.healAll();
      checkLiveness(cluster, invariants);
      workload.stop();
      long drainSteps = DRAIN.toMillis() / STEP.toMillis();
      for (long i = 0; i < drainSteps && !workload.idle(); i++) {
        cluster.clock.advanceTimeBy(STEP);
        invariants.check();
      }
      if (workload.idle()) {
        workload.readEveryKey();
        // Each read may take its attempts' timeouts; the bound only catches one that never ends.
        long finalReadSteps = FINAL_READS.toMillis() / STEP.toMillis();
        for (long i = 0; i < finalReadSteps && !workload.idle(); i++) {
          cluster.clock.advanceTimeBy(STEP);
          invariants.check();
        }
      }
      invariants.check();
      if (!workload.unreadKeys().isEmpty()) {
        cluster.violations.add(
            "final reads got no value, so a lost write there would not show: "
                + workload.unreadKeys()
                + "; the nodes then: "
                + describe(cluster));
      }
      if (!workload.idle()) {
        cluster.violations.add(
            "operations still pending after the drain ("
                + workload.pendingDescription()
                + "); the nodes then: "
                + describe(cluster));
      }
      try {
        LinearizabilityChecker.Result lin = LinearizabilityChecker.check(workload.history());
        if (!lin.linearizable()) {
          cluster.violations.add(lin.toString());
        }
      } catch (LinearizabilityChecker.SearchTooLargeException e) {
        // Many operations of unknown outcome make the search exponential; such a seed is
        // reported as unchecked rather than passed, and too many of them fail the run.
        inconclusive = true;
      }
      violations.addAll(cluster.violations);
      operations = workload.history().size();
      simulated = cluster.nowNanos() / 1_000_000;
      if (Boolean.getBoolean("sim.fingerprint")) {
        // The run reduced to one line: a change that must not alter behaviour (a refactoring of
        // the core) leaves every seed's line as it was.
        System.out.println(
            "FINGERPRINT seed="
                + seed
                + " operations="
                + operations
                + " history="
                + Integer.toHexString(workload.history().toString().hashCode())
                + " end_nanos="
                + cluster.nowNanos()
                + " faults="
                + counters);
      }
    } catch (RuntimeException | AssertionError e) {
      violations.add(
          "simulation crashed: "
              + e
              + " at "
              + java.util.Arrays.toString(e.getStackTrace()).replace(", ", "\n    "));
    }
    return new Result(seed, size, operations, violations, counters, simulated, inconclusive);
  }

  /** After the faults stop, a leader known to all must commit a write within the bound. */
  private static void checkLiveness(SimCluster cluster, Invariants invariants) {
    long deadline = cluster.nowNanos() + LIVENESS_BOUND.toNanos();
    List<String> done = new ArrayList<>();
    int attempt = 0;
    while (cluster.nowNanos() < deadline && done.isEmpty()) {
      Optional<String> leader = cluster.leader();
      if (leader.isPresent() && knownByAll(cluster, leader.get())) {
        cluster
            .nodes
            .get(leader.get())
            .node
            .submit(RegisterMachine.write("liveness", "probe" + attempt++), Duration.ofMillis(500))
            .subscribe(done::add, e -> {});
        for (int i = 0; i < 60 && done.isEmpty(); i++) {
          cluster.clock.advanceTimeBy(STEP);
          // Every step: the checks learn committed entries from the logs, which compaction
          // soon takes away.
          invariants.check();
        }
      } else {
        cluster.clock.advanceTimeBy(STEP);
      }
      invariants.check();
    }
    if (done.isEmpty()) {
      cluster.violations.add(
          "no leader committed within "
              + LIVENESS_BOUND
              + " after the faults stopped; the nodes then: "
              + describe(cluster));
    }
  }

  /** Each node's view at the end, for a liveness failure: what it is, knows and holds. */
  private static String describe(SimCluster cluster) {
    StringBuilder out = new StringBuilder();
    cluster.nodes.forEach(
        (id, n) -> {
          out.append("\n    ").append(id).append(": ");
          Optional<RaftStatus> s = n.running() ? cluster.status(id) : Optional.empty();
          if (s.isEmpty()) {
            out.append(n.running() ? "no status" : "down");
            return;
          }
          RaftStatus st = s.get();
          out.append(st.role())
              .append(" term=")
              .append(st.term())
              .append(" leader=")
              .append(st.leader())
              .append(" votedFor=")
              .append(st.votedFor())
              .append(" commit=")
              .append(st.commitIndex())
              .append(" log=")
              .append(st.firstLogIndex())
              .append("..")
              .append(st.lastLogIndex())
              .append("@")
              .append(st.lastLogTerm())
              .append(" voters=")
              .append(st.members().stream().map(io.reactiveraft.Member::id).toList())
              .append(" learners=")
              .append(st.learners().stream().map(io.reactiveraft.Member::id).toList())
              .append(st.followers().isEmpty() ? "" : " followers=" + st.followers())
              .append(" snapshots=")
              .append(st.snapshots());
        });
    return out.toString();
  }

  private static boolean knownByAll(SimCluster cluster, String leader) {
    Optional<RaftStatus> leaderStatus = cluster.status(leader);
    if (leaderStatus.isEmpty()) {
      return false;
    }
    List<String> members =
        java.util.stream.Stream.concat(
                leaderStatus.get().members().stream(), leaderStatus.get().learners().stream())
            .map(io.reactiveraft.Member::id)
            .filter(id -> cluster.nodes.get(id).running())
            .toList();
    for (String id : members) {
      Optional<RaftStatus> s = cluster.status(id);
      if (s.isEmpty() || !leader.equals(s.get().leader())) {
        return false;
      }
    }
    return true;
  }
}
