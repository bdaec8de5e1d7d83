package io.reactiveraft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import io.reactiveraft.bench.kv.KvCommand;
import io.reactiveraft.bench.kv.remote.KvClient;
import io.reactiveraft.bench.kv.remote.KvOutcome;
import io.reactiveraft.sim.LinearizabilityChecker;
import io.reactiveraft.sim.Operation;
import io.reactiveraft.transport.rsocket.LoopbackPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code node} processes on loopback: writes through {@code kv}, the leader's process killed
 * with SIGKILL, more writes, the process restarted on its data directory, and every acknowledged
 * write read back, through the cluster and through the restarted node alone. Ends with SIGTERM,
 * which must stop a node cleanly. And the leader's process paused with SIGSTOP for longer than an
 * election timeout, then resumed, its nodes answering reads from the leader's lease: a new leader,
 * no acknowledged write lost, and the history of three clients, one talking to the paused leader
 * alone, linearizable.
 */
class NodeProcessesTest {

  private static final Duration BUDGET = Duration.ofSeconds(10);

  /** A test whose nodes answer reads from the leader's lease. */
  private static final String LEASE_READS = "lease-reads";

  @TempDir Path dir;

  private NodeProcesses nodes;

  @BeforeEach
  void startNodes(TestInfo test) throws Exception {
    nodes =
        new NodeProcesses(
            dir,
            List.of(
                new Member("n1", LoopbackPorts.nextAddress()),
                new Member("n2", LoopbackPorts.nextAddress()),
                new Member("n3", LoopbackPorts.nextAddress())),
            m -> List.of());
    if (test.getTags().contains(LEASE_READS)) {
      nodes.nodeOptions(List.of("--lease-reads"));
    }
    for (String id : List.of("n1", "n2", "n3")) {
      nodes.start(nodes.member(id), true);
    }
  }

  @AfterEach
  void destroyProcesses() throws InterruptedException {
    nodes.close();
  }

  @Test
  @Timeout(120)
  void acknowledgedWritesSurviveSigkillOfTheLeaderAndARestart() throws Exception {
    // The writes and the reads go through the kv command, as an operator's would.
    try (KvProcess client =
        new KvProcess(List.of(), nodes.addresses(), BUDGET, dir.resolve("kv.err"))) {
      Map<String, String> acknowledged = nodes.writeBeforeTheFault(client::execute, 30);

      String victim = nodes.currentLeader();
      Process killed = nodes.process(victim);
      killed.destroyForcibly();
      assertThat(killed.waitFor(10, TimeUnit.SECONDS)).isTrue();

      // Two clients at once on four registers, through the election that follows.
      RegisterHistory history = new RegisterHistory(4);
      try (KvClient second = new KvClient(nodes.addresses(), NodeProcesses.secret(), BUDGET);
          KvClient third = new KvClient(nodes.addresses(), NodeProcesses.secret(), BUDGET)) {
        history.runConcurrently(
            List.of(second::execute, third::execute), Duration.ofSeconds(4), 13);
      }

      // Writes may time out while the others elect a successor; a number of them must then succeed.
      nodes.writeUntilAcknowledged(
          client::execute, "during", 25, Duration.ofSeconds(60), acknowledged);

      Member restarted = nodes.member(victim);
      // A restart is not a bootstrap: the node recovers its term, vote and log from disk.
      nodes.start(restarted, false);
      NodeProcesses.write(client::execute, "after", 10, acknowledged);

      nodes.assertReadable(client::execute, acknowledged);
      try (KvProcess direct =
          new KvProcess(
              List.of(), List.of(restarted.address()), BUDGET, dir.resolve("kv-direct.err"))) {
        nodes.assertReadable(direct::execute, acknowledged);
      }
      long okThroughTheElection = history.count(Operation.Outcome.OK);
      history.readAll(client::execute);
      LinearizabilityChecker.Result verdict = history.check();
      assertThat(verdict.linearizable()).as(verdict::toString).isTrue();
      assertThat(okThroughTheElection).as(nodes::logs).isPositive();

      Process stopping = nodes.process(victim);
      stopping.destroy();
      assertThat(stopping.waitFor(20, TimeUnit.SECONDS)).as(nodes::logs).isTrue();
      assertThat(nodes.log(victim)).contains("node " + victim + " stopped");
      nodes.assertOneLeaderPerTerm();
      System.out.println(
          "killed leader "
              + victim
              + "; "
              + acknowledged.size()
              + " acknowledged writes readable after its restart; "
              + history.size()
              + " register operations through the election linearizable");
    }
  }

  /**
   * With lease reads on: a paused process's monotonic clock goes on, so the leader wakes with its
   * lease long over and must not answer the client that talks to it alone from its old state.
   */
  @Test
  @Tag(LEASE_READS)
  @Timeout(120)
  void aLeaderPausedLongerThanAnElectionTimeoutIsReplacedAndLosesNoAcknowledgedWrite()
      throws Exception {
    try (KvClient client = new KvClient(nodes.addresses(), NodeProcesses.secret(), BUDGET)) {
      Map<String, String> acknowledged = nodes.writeBeforeTheFault(client::execute, 20);
      String paused = nodes.currentLeader();
      Process process = nodes.process(paused);
      assertThat(nodes.log(paused)).contains("reads=lease");

      // Three clients on four registers, one of them talking to the paused leader alone: through
      // the pause and the election, and again once it wakes, when it must answer nothing from
      // the state of its old term.
      RegisterHistory history = new RegisterHistory(4);
      try (KvClient second = new KvClient(nodes.addresses(), NodeProcesses.secret(), BUDGET);
          KvClient third = new KvClient(nodes.addresses(), NodeProcesses.secret(), BUDGET);
          KvClient pinned =
              new KvClient(
                  List.of(nodes.member(paused).address()),
                  NodeProcesses.secret(),
                  Duration.ofSeconds(2))) {
        List<Function<KvCommand, KvOutcome>> clients =
            List.of(second::execute, third::execute, pinned::execute);

        // SIGSTOP: a pause of the whole JVM, as a long collection would be, seen from outside.
        NodeProcesses.signal(process, "STOP");
        try {
          history.runConcurrently(clients, Duration.ofSeconds(4), 17);
          // Writes before the successor took over may have no known outcome; later ones succeed.
          nodes.writeUntilAcknowledged(
              client::execute, "paused", 15, Duration.ofSeconds(60), acknowledged);
          assertThat(nodes.currentLeader()).as(nodes::logs).isNotEqualTo(paused);
        } finally {
          NodeProcesses.signal(process, "CONT");
        }
        history.runConcurrently(clients, Duration.ofSeconds(3), 29);
      }

      // The old leader wakes in an old term: it must step down, not acknowledge anything more.
      NodeProcesses.write(client::execute, "resumed", 10, acknowledged);
      nodes.assertReadable(client::execute, acknowledged);
      history.readAll(client::execute);
      LinearizabilityChecker.Result verdict = history.check();
      assertThat(verdict.linearizable()).as(verdict::toString).isTrue();
      assertThat(history.count(Operation.Outcome.OK)).as(nodes::logs).isPositive();
      try (KvClient direct =
          new KvClient(List.of(nodes.member(paused).address()), NodeProcesses.secret(), BUDGET)) {
        nodes.assertReadable(direct::execute, acknowledged);
      }
      nodes.awaitFollowing(paused, Duration.ofSeconds(30));
      nodes.assertOneLeaderPerTerm();
      System.out.println(
          "paused leader "
              + paused
              + "; "
              + acknowledged.size()
              + " acknowledged writes readable after it resumed; "
              + history.size()
              + " register operations through the pause linearizable ("
              + history.count(Operation.Outcome.INFO)
              + " of unknown outcome)");
    }
  }
}
