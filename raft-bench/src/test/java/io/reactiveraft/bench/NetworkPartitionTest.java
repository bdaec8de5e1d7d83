package io.reactiveraft.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.reactiveraft.Member;
import io.reactiveraft.sim.LinearizabilityChecker;
import io.reactiveraft.sim.Operation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code node} processes, each in a network namespace of its own, and the {@code kv} client
 * in a fourth, which reaches every node throughout. The leader cut off from both followers while
 * three clients read and write five registers, then healed: the majority elects a new leader, the
 * old one (which can commit nothing alone) steps down and follows it, every acknowledged write
 * reads back, and the history is linearizable. A follower cut off from the others, or from the
 * leader alone (a majorities ring), then healed: it catches up, and neither the cut nor its return
 * costs an election (pre-vote, check-quorum). Needs root and iproute2, as on the project's
 * machines; skipped elsewhere.
 */
@EnabledOnOs(OS.LINUX)
class NetworkPartitionTest {

  private static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(5);

  @TempDir Path dir;

  private NetworkNamespaces net;
  private NodeProcesses nodes;
  private KvProcess client;
  private String clientNamespace;
  private final Map<String, String> namespaceOf = new LinkedHashMap<>();

  @BeforeEach
  void startNodesInNamespaces() throws Exception {
    assumeTrue(NetworkNamespaces.available(), "needs root and iproute2 to make network namespaces");
    net = new NetworkNamespaces("rr" + ProcessHandle.current().pid());
    List<Member> members =
        List.of(
            new Member("n1", "10.77.0.1:7001"),
            new Member("n2", "10.77.0.2:7001"),
            new Member("n3", "10.77.0.3:7001"));
    for (Member m : members) {
      namespaceOf.put(m.id(), net.host(m.id(), m.address().substring(0, m.address().indexOf(':'))));
    }
    clientNamespace = net.host("client", "10.77.0.100");
    nodes =
        new NodeProcesses(dir, members, m -> NetworkNamespaces.launcher(namespaceOf.get(m.id())));
    for (Member m : members) {
      nodes.start(m, true);
    }
    client = newClient(nodes.addresses(), "kv.err");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (client != null) {
      client.close();
    }
    if (nodes != null) {
      nodes.close();
    }
    if (net != null) {
      net.close();
    }
  }

  @Test
  @Timeout(180)
  void aFollowerCutOffFromTheOthersCatchesUpAndDoesNotDisturbTheLeaderOnItsReturn()
      throws Exception {
    Map<String, String> acknowledged = nodes.writeBeforeTheFault(client::execute, 20);
    String leader = nodes.currentLeader();
    String follower = firstOtherThan(leader);
    cutOffWithoutAnElection(follower, othersThan(follower), leader, acknowledged);
  }

  /**
   * A majorities ring: the leader and one follower lose their link, and each node still sees a
   * majority (itself and the other follower). The cut-off follower's timer fires, but the other
   * follower, which hears the leader, refuses it (check-quorum), so the leader stays.
   */
  @Test
  @Timeout(180)
  void aRingWhereEveryNodeSeesAMajorityKeepsItsLeader() throws Exception {
    Map<String, String> acknowledged = nodes.writeBeforeTheFault(client::execute, 20);
    String leader = nodes.currentLeader();
    String follower = firstOtherThan(leader);
    cutOffWithoutAnElection(follower, List.of(leader), leader, acknowledged);
  }

  private String firstOtherThan(String id) {
    return othersThan(id).get(0);
  }

  private List<String> othersThan(String id) {
    return namespaceOf.keySet().stream().filter(other -> !other.equals(id)).toList();
  }

  /**
   * Cuts {@code follower} off from {@code from} for several election timeouts while the client
   * writes, then heals: its timer must have fired, yet {@code leader} keeps leading in the same
   * term, and every acknowledged write reads back through the cluster and through it alone.
   */
  private void cutOffWithoutAnElection(
      String follower, List<String> from, String leader, Map<String, String> acknowledged)
      throws Exception {
    long term = nodes.newestTerm();
    try (NetworkNamespaces.Partition cut = net.isolate(follower, from)) {
      int before = acknowledged.size();
      // Long enough for the cut-off follower's timer, drawn from [1 s, 2 s), to fire.
      NodeProcesses.writeFor(client::execute, "cut", Duration.ofSeconds(4), acknowledged);
      assertThat(acknowledged.size() - before).as(nodes::logs).isGreaterThan(10);
      assertThat(nodes.log(follower)).as(nodes::logs).contains("leader unknown (election timeout)");
    }

    NodeProcesses.write(client::execute, "healed", 10, acknowledged);
    nodes.assertReadable(client::execute, acknowledged);
    try (KvProcess direct = newClient(List.of(nodes.member(follower).address()), "kv-direct.err")) {
      nodes.assertReadable(direct::execute, acknowledged);
    }
    // The cut cost no election: the same leader, in the same term (pre-vote, check-quorum).
    assertThat(nodes.currentLeader()).as(nodes::logs).isEqualTo(leader);
    assertThat(nodes.newestTerm()).as(nodes::logs).isEqualTo(term);
    nodes.assertOneLeaderPerTerm();
    System.out.println(
        "follower "
            + follower
            + " cut off from "
            + from
            + " and healed; leader "
            + leader
            + " kept term "
            + term
            + "; "
            + acknowledged.size()
            + " acknowledged writes readable through it");
  }

  @Test
  @Timeout(180)
  void aLeaderCutOffFromItsFollowersIsReplacedAndTheHistoryStaysLinearizable() throws Exception {
    Map<String, String> acknowledged = nodes.writeBeforeTheFault(client::execute, 20);
    RegisterHistory history = new RegisterHistory(5);

    String isolated = nodes.currentLeader();
    List<String> others = othersThan(isolated);
    try (NetworkNamespaces.Partition cut = net.isolate(isolated, others);
        KvProcess second = newClient(nodes.addresses(), "kv-2.err");
        KvProcess third = newClient(nodes.addresses(), "kv-3.err")) {
      // Three clients at once on five registers. What the isolated leader takes cannot commit:
      // it must end as info, never as ok.
      history.runConcurrently(
          List.of(client::execute, second::execute, third::execute), Duration.ofSeconds(6), 7);
      assertThat(nodes.currentLeader()).as(nodes::logs).isIn(others);
      assertThat(history.count(Operation.Outcome.OK)).as(nodes::logs).isGreaterThan(30);
    }

    NodeProcesses.write(client::execute, "healed", 10, acknowledged);
    nodes.assertReadable(client::execute, acknowledged);
    history.readAll(client::execute);
    LinearizabilityChecker.Result verdict = history.check();
    assertThat(verdict.linearizable()).as(verdict::toString).isTrue();
    nodes.awaitFollowing(isolated, Duration.ofSeconds(30));
    nodes.assertOneLeaderPerTerm();
    System.out.println(
        "isolated leader "
            + isolated
            + "; "
            + history.size()
            + " register operations linearizable ("
            + history.count(Operation.Outcome.OK)
            + " ok, "
            + history.count(Operation.Outcome.INFO)
            + " info); "
            + acknowledged.size()
            + " other acknowledged writes readable");
  }

  /** A {@code kv} process in the client's namespace, talking to {@code addresses}. */
  private KvProcess newClient(List<String> addresses, String errors) throws Exception {
    return new KvProcess(
        NetworkNamespaces.launcher(clientNamespace),
        addresses,
        OPERATION_TIMEOUT,
        dir.resolve(errors));
  }
}
