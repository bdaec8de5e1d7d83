package io.reactiveraft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import io.reactiveraft.bench.kv.KvCommand;
import io.reactiveraft.bench.kv.remote.KvClient;
import io.reactiveraft.bench.kv.remote.KvOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code node} processes on loopback: writes through the KV client, the leader's process
 * killed with SIGKILL, more writes, the process restarted on its data directory, and every
 * acknowledged write read back, through the cluster and through the restarted node alone. Ends with
 * SIGTERM, which must stop a node cleanly. And the leader's process paused with SIGSTOP for longer
 * than an election timeout, then resumed: a new leader, no acknowledged write lost.
 */
class NodeProcessesTest {

  private static final String SECRET = "node processes test secret, 32 b";
  private static final Pattern LEADER_LINE =
      Pattern.compile("node \\S+ term (\\d+) leader (\\S+) ");
  private static final Duration BUDGET = Duration.ofSeconds(10);
  private static final Duration STARTUP = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final Map<String, Process> processes = new LinkedHashMap<>();
  private List<Member> members;

  @AfterEach
  void destroyProcesses() throws InterruptedException {
    for (Process p : processes.values()) {
      p.destroyForcibly();
    }
    for (Process p : processes.values()) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Timeout(120)
  void acknowledgedWritesSurviveSigkillOfTheLeaderAndARestart() throws Exception {
    members =
        List.of(
            new Member("n1", "127.0.0.1:" + CliRun.freePort()),
            new Member("n2", "127.0.0.1:" + CliRun.freePort()),
            new Member("n3", "127.0.0.1:" + CliRun.freePort()));
    for (Member m : members) {
      start(m, true);
    }
    List<String> addresses = members.stream().map(Member::address).toList();
    Map<String, String> acknowledged = new LinkedHashMap<>();
    try (KvClient client = new KvClient(addresses, secret(), BUDGET)) {
      awaitReady(client);
      write(client, "before", 30, acknowledged);
      assertThat(acknowledged).as(this::logs).hasSize(30);

      String victim = currentLeader();
      Process killed = processes.get(victim);
      killed.destroyForcibly();
      assertThat(killed.waitFor(10, TimeUnit.SECONDS)).isTrue();

      write(client, "during", 30, acknowledged);
      assertThat(acknowledged).as(this::logs).hasSizeGreaterThanOrEqualTo(55);

      Member restarted = member(victim);
      // A restart is not a bootstrap: the node recovers its term, vote and log from disk.
      start(restarted, false);
      write(client, "after", 10, acknowledged);

      assertReadable(client, acknowledged);
      try (KvClient direct = new KvClient(List.of(restarted.address()), secret(), BUDGET)) {
        assertReadable(direct, acknowledged);
      }

      Process stopping = processes.get(victim);
      stopping.destroy();
      assertThat(stopping.waitFor(20, TimeUnit.SECONDS)).as(this::logs).isTrue();
      assertThat(log(victim)).contains("node " + victim + " stopped");
      System.out.println(
          "killed leader "
              + victim
              + "; "
              + acknowledged.size()
              + " acknowledged writes readable after its restart");
    }
  }

  @Test
  @Timeout(120)
  void aLeaderPausedLongerThanAnElectionTimeoutIsReplacedAndLosesNoAcknowledgedWrite()
      throws Exception {
    members =
        List.of(
            new Member("n1", "127.0.0.1:" + CliRun.freePort()),
            new Member("n2", "127.0.0.1:" + CliRun.freePort()),
            new Member("n3", "127.0.0.1:" + CliRun.freePort()));
    for (Member m : members) {
      start(m, true);
    }
    List<String> addresses = members.stream().map(Member::address).toList();
    Map<String, String> acknowledged = new LinkedHashMap<>();
    try (KvClient client = new KvClient(addresses, secret(), BUDGET)) {
      awaitReady(client);
      write(client, "before", 20, acknowledged);
      assertThat(acknowledged).as(this::logs).hasSize(20);

      // SIGSTOP: a pause of the whole JVM, as a long collection would be, seen from outside.
      String paused = currentLeader();
      Process process = processes.get(paused);
      signal(process, "STOP");
      try {
        write(client, "paused", 20, acknowledged);
        String successor = currentLeader();
        assertThat(successor).as(this::logs).isNotEqualTo(paused);
        // Writes before the successor took over may have no known outcome; later ones succeed.
        assertThat(acknowledged).as(this::logs).hasSizeGreaterThanOrEqualTo(35);
      } finally {
        signal(process, "CONT");
      }

      // The old leader wakes in an old term: it must step down, not acknowledge anything more.
      write(client, "resumed", 10, acknowledged);
      assertReadable(client, acknowledged);
      try (KvClient direct = new KvClient(List.of(member(paused).address()), secret(), BUDGET)) {
        assertReadable(direct, acknowledged);
      }
      // Having answered those reads, it follows the leader that replaced it.
      List<String> seen = leadersSeenBy(paused);
      assertThat(seen).as(this::logs).isNotEmpty();
      assertThat(seen.get(seen.size() - 1)).as(this::logs).isEqualTo(currentLeader());
      System.out.println(
          "paused leader "
              + paused
              + "; "
              + acknowledged.size()
              + " acknowledged writes readable after it resumed");
    }
  }

  /** Every leader that {@code id} has printed, in order. */
  private List<String> leadersSeenBy(String id) {
    List<String> leaders = new ArrayList<>();
    Matcher matcher = LEADER_LINE.matcher(log(id));
    while (matcher.find()) {
      leaders.add(matcher.group(2));
    }
    return leaders;
  }

  private static void signal(Process process, String signal) throws Exception {
    // bash's own kill: a machine without procps has no kill program.
    Process kill =
        new ProcessBuilder("bash", "-c", "kill -" + signal + " " + process.pid())
            .redirectErrorStream(true)
            .start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).as("kill -%s %d", signal, process.pid()).isZero();
  }

  /** Polls until the cluster answers a read: the JVMs have started and elected a leader. */
  private void awaitReady(KvClient client) {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    KvOutcome read;
    do {
      read = client.execute(KvCommand.get("ready"));
    } while (read.kind() != KvOutcome.Kind.OK && System.nanoTime() < deadline);
    assertThat(read.kind()).as(this::logs).isEqualTo(KvOutcome.Kind.OK);
  }

  private void write(KvClient client, String prefix, int count, Map<String, String> acknowledged) {
    for (int i = 0; i < count; i++) {
      String key = prefix + "-" + i;
      String value = "v" + i;
      KvOutcome outcome = client.execute(KvCommand.put(key, value));
      // An unknown outcome (info) may or may not have applied: only ok is a promise.
      if (outcome.kind() == KvOutcome.Kind.OK) {
        acknowledged.put(key, value);
      }
    }
  }

  private void assertReadable(KvClient client, Map<String, String> acknowledged) {
    Map<String, String> missing = new LinkedHashMap<>();
    acknowledged.forEach(
        (key, value) -> {
          KvOutcome read = client.execute(KvCommand.get(key));
          if (read.kind() != KvOutcome.Kind.OK || !value.equals(read.text())) {
            missing.put(key, read.line());
          }
        });
    assertThat(missing).as(this::logs).isEmpty();
  }

  private void start(Member m, boolean bootstrap) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "node",
                "--id",
                m.id(),
                "--members",
                members.stream()
                    .map(x -> x.id() + "=" + x.address())
                    .collect(Collectors.joining(",")),
                "--data-dir",
                dir.resolve(m.id()).toString(),
                "--secret",
                SECRET,
                "--segment-mib",
                "1"));
    if (bootstrap) {
      command.add("--bootstrap");
    }
    Path log = dir.resolve(m.id() + ".out");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    processes.put(m.id(), process);
  }

  /** The leader named by the newest leader line any node printed (the test has just written). */
  private String currentLeader() {
    long bestTerm = -1;
    String leader = null;
    for (Member m : members) {
      Matcher matcher = LEADER_LINE.matcher(log(m.id()));
      while (matcher.find()) {
        long term = Long.parseLong(matcher.group(1));
        if (term >= bestTerm && !matcher.group(2).equals("unknown")) {
          bestTerm = term;
          leader = matcher.group(2);
        }
      }
    }
    assertThat(leader).as(this::logs).isNotNull();
    return leader;
  }

  private Member member(String id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
  }

  private String log(String id) {
    try {
      Path file = dir.resolve(id + ".out");
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String logs() {
    return members.stream()
        .map(m -> "--- " + m.id() + " ---\n" + log(m.id()))
        .collect(Collectors.joining("\n"));
  }

  private static byte[] secret() {
    return SECRET.getBytes(StandardCharsets.UTF_8);
  }
}
