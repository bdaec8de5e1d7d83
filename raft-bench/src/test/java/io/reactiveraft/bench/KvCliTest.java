package io.reactiveraft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.Role;
import io.reactiveraft.bench.kv.remote.KvServer;
import io.reactiveraft.transport.rsocket.LoopbackPorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code kv} command against three nodes' servers in this JVM, on loopback ports, each with its
 * own data directory: the operations and their lines and exit codes, following the leader from a
 * follower, and a client with the wrong secret refused.
 */
class KvCliTest {

  private static final String SECRET = "kv cli test secret, 32 bytes long";

  @TempDir Path dir;

  private final List<KvServer> servers = new ArrayList<>();
  private List<Member> members;
  private String cluster;

  @BeforeEach
  void startCluster() {
    members =
        List.of(
            new Member("n1", LoopbackPorts.nextAddress()),
            new Member("n2", LoopbackPorts.nextAddress()),
            new Member("n3", LoopbackPorts.nextAddress()));
    for (Member m : members) {
      servers.add(
          KvServer.start(
              new KvServer.Settings(
                  m.id(),
                  members,
                  dir.resolve(m.id()),
                  SECRET.getBytes(StandardCharsets.UTF_8),
                  true,
                  true,
                  1 << 20,
                  Duration.ofSeconds(1), // a loaded machine's pauses move no leadership
                  false)));
    }
    cluster = members.stream().map(Member::address).collect(Collectors.joining(","));
  }

  @AfterEach
  void stopCluster() {
    servers.forEach(KvServer::close);
  }

  private CliRun kv(String... operation) {
    List<String> args =
        new ArrayList<>(
            List.of("kv", "--cluster", cluster, "--secret", SECRET, "--timeout", "10000"));
    args.addAll(List.of(operation));
    return CliRun.run(args.toArray(String[]::new));
  }

  @Test
  void operationsPrintOneLineWithTheirExitCode() {
    assertThat(kv("put", "a", "1"))
        .extracting(CliRun::exitCode, CliRun::lastLine)
        .containsExactly(0, "ok");
    assertThat(kv("get", "a"))
        .extracting(CliRun::exitCode, CliRun::lastLine)
        .containsExactly(0, "ok 1");

    CliRun mismatch = kv("cas", "a", "2", "3");
    assertThat(mismatch.exitCode()).isEqualTo(1);
    assertThat(mismatch.lastLine()).isEqualTo("fail cas mismatch: the value is 1");

    assertThat(kv("cas", "a", "1", "3").exitCode()).isZero();
    assertThat(kv("get", "a").lastLine()).isEqualTo("ok 3");
    assertThat(kv("delete", "a").exitCode()).isZero();
    assertThat(kv("get", "a"))
        .extracting(CliRun::exitCode, CliRun::lastLine)
        .containsExactly(0, "ok");
  }

  @Test
  void clientGivenOnlyAFollowerFollowsTheLeaderHint() {
    assertThat(kv("put", "warm", "up").exitCode()).isZero();
    String follower = awaitFollower();

    CliRun put =
        CliRun.run(
            "kv", "--cluster", follower, "--secret", SECRET, "--timeout", "10000", "put", "k", "v");
    assertThat(put.exitCode()).as(put.toString()).isZero();
    assertThat(put.lastLine()).isEqualTo("ok");
    // The write went through the leader: every node of the cluster reads it.
    assertThat(kv("get", "k").lastLine()).isEqualTo("ok v");
  }

  @Test
  void valuesAreTakenAsTheyAreEvenWhenTheyLookLikeOptionsOrFiles() {
    assertThat(kv("put", "flag", "-h").exitCode()).isZero();
    assertThat(kv("get", "flag").lastLine()).isEqualTo("ok -h");
    assertThat(kv("put", "at", "@@x").exitCode()).isZero();
    assertThat(kv("get", "at").lastLine()).isEqualTo("ok @@x");
    assertThat(kv("put", "file", "@pom.xml").exitCode()).isZero(); // a file of that name exists
    assertThat(kv("get", "file").lastLine()).isEqualTo("ok @pom.xml");
  }

  @Test
  void aTimeoutLongerThanAMinuteIsRefused() {
    CliRun run = CliRun.run("kv", "--cluster", cluster, "--secret", SECRET, "--timeout", "600000");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--timeout must be in [1, 60000]");
  }

  @Test
  void clientWithTheWrongSecretIsRefused() {
    CliRun run =
        CliRun.run(
            "kv",
            "--cluster",
            cluster,
            "--secret",
            "not the cluster's secret at all",
            "--timeout",
            "5000",
            "put",
            "x",
            "1");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.lastLine()).startsWith("fail refused by ").contains("bad client token");
  }

  @Test
  void stdinRunsOneOperationPerLine() {
    CliRun run =
        CliRun.runWithInput(
            "put s hello world\nget s\n\ncas s nope x\nfrobnicate s\nget s\n",
            "kv",
            "--cluster",
            cluster,
            "--secret",
            SECRET,
            "--timeout",
            "10000",
            "--stdin");
    assertThat(run.out().strip().split("\n"))
        .containsExactly(
            "ok",
            "ok hello world",
            "fail cas mismatch: the value is hello world",
            "fail bad operation: unknown operation 'frobnicate': expected put, get, delete or cas",
            "ok hello world");
    assertThat(run.exitCode()).isEqualTo(1);
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(CliRun.run("kv", "--cluster", cluster, "--secret", SECRET).exitCode()).isEqualTo(2);
    assertThat(CliRun.run("kv", "--cluster", cluster, "--secret", SECRET, "put", "k").exitCode())
        .isEqualTo(2);
    assertThat(CliRun.run("kv", "--cluster", "nowhere", "--secret", SECRET, "get", "k").exitCode())
        .isEqualTo(2);
    assertThat(CliRun.run("node", "--id", "n1").exitCode()).isEqualTo(2);
    assertThat(
            CliRun.run(
                    "node",
                    "--id",
                    "n9",
                    "--members",
                    "n1=127.0.0.1:1",
                    "--data-dir",
                    dir.toString(),
                    "--secret",
                    SECRET)
                .exitCode())
        .isEqualTo(2);
    CliRun badId =
        CliRun.run(
            "node",
            "--id",
            "n1",
            "--members",
            "n1 x=127.0.0.1:1",
            "--data-dir",
            dir.toString(),
            "--secret",
            SECRET);
    assertThat(badId.exitCode()).isEqualTo(2);
    CliRun fastTimeout =
        CliRun.run(
            "node",
            "--id",
            "n1",
            "--members",
            "n1=127.0.0.1:1",
            "--data-dir",
            dir.toString(),
            "--secret",
            SECRET,
            "--election-timeout-ms",
            "10");
    assertThat(fastTimeout.exitCode()).isEqualTo(2);
    assertThat(fastTimeout.err()).contains("--election-timeout-ms must be in [50, 60000]");
    assertThat(badId.err()).contains("member id must be non-blank without whitespace");
    CliRun sharedAddress =
        CliRun.run(
            "node",
            "--id",
            "n1",
            "--members",
            "n1=127.0.0.1:1,n2=127.0.0.1:1",
            "--data-dir",
            dir.toString(),
            "--secret",
            SECRET);
    assertThat(sharedAddress.exitCode()).isEqualTo(2);
    assertThat(sharedAddress.err()).contains("gives 127.0.0.1:1 to two members");
  }

  @Test
  void nodeWithAnUnusableDataDirectoryExitsWithTwo() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
    CliRun run =
        CliRun.run(
            "node",
            "--id",
            "n1",
            "--members",
            "n1=" + LoopbackPorts.nextAddress(),
            "--data-dir",
            file.toString(),
            "--secret",
            SECRET,
            "--bootstrap");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("cannot use data directory").contains(file.toString());
  }

  /** The address of a node that follows a known leader, polled until there is one. */
  private String awaitFollower() {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      for (KvServer s : servers) {
        RaftStatus status = s.node().status().block(Duration.ofSeconds(5));
        if (status.role() == Role.FOLLOWER && status.leader() != null) {
          return s.address();
        }
      }
      LockSupport.parkNanos(1_000_000); // polls without taking a core from the nodes
    }
    throw new AssertionError("no follower with a known leader within 10 s");
  }
}
