package io.reactiveraft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import io.reactiveraft.bench.kv.KvCommand;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code node} processes of one test: started (each through a launcher, such as {@code ip netns
 * exec}), signalled, their output read, the KV store driven through any client; all killed on
 * close.
 */
final class NodeProcesses implements AutoCloseable {

  static final String SECRET = "node processes test secret, 32 b";

  private static final Pattern LEADER_LINE =
      Pattern.compile("node \\S+ term (\\d+) leader (\\S+) ");
  private static final Duration STARTUP = Duration.ofSeconds(30);

  private final Path dir;
  private final List<Member> members;
  private final Function<Member, List<String>> launcher;
  private final Map<String, Process> processes = new LinkedHashMap<>();

  /** Processes of {@code members}, each started by {@code launcher}'s words before its java. */
  NodeProcesses(Path dir, List<Member> members, Function<Member, List<String>> launcher) {
    this.dir = dir;
    this.members = List.copyOf(members);
    this.launcher = launcher;
  }

  List<String> addresses() {
    return members.stream().map(Member::address).toList();
  }

  Member member(String id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
  }

  Process process(String id) {
    return processes.get(id);
  }

  /** Options every node started from now on gets, beside the usual ones. */
  private List<String> nodeOptions = List.of();

  void nodeOptions(List<String> options) {
    nodeOptions = List.copyOf(options);
  }

  /** Starts {@code m}'s node; a restart is not a bootstrap (it recovers from its directory). */
  void start(Member m, boolean bootstrap) throws IOException {
    List<String> command = new ArrayList<>(launcher.apply(m));
    command.addAll(
        java(
            "node",
            "--id",
            m.id(),
            "--members",
            members.stream().map(x -> x.id() + "=" + x.address()).collect(Collectors.joining(",")),
            "--data-dir",
            dir.resolve(m.id()).toString(),
            "--secret",
            SECRET,
            "--segment-mib",
            "1",
            // Twice the default: node JVMs, clients and the test share two cores, and a pause of
            // half a second must not cost an election that a test asserts did not happen.
            "--election-timeout-ms",
            "1000"));
    if (bootstrap) {
      command.add("--bootstrap");
    }
    command.addAll(nodeOptions);
    processes.put(
        m.id(),
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(m.id()).toFile()))
            .start());
  }

  /** This project's command line in a small JVM: {@code java ... Main <args>}. */
  static List<String> java(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    command.addAll(List.of(args));
    return command;
  }

  /** Sends {@code signal} (STOP, CONT, ...) through bash's own kill: no procps needed. */
  static void signal(Process process, String signal) throws Exception {
    Process kill =
        new ProcessBuilder("bash", "-c", "kill -" + signal + " " + process.pid())
            .redirectErrorStream(true)
            .start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).as("kill -%s %d", signal, process.pid()).isZero();
  }

  /**
   * Election safety as the nodes' own logs tell it: no two of them ever named different leaders for
   * one term.
   */
  void assertOneLeaderPerTerm() {
    Map<Long, java.util.Set<String>> leaders = new java.util.TreeMap<>();
    for (Member m : members) {
      Matcher matcher = LEADER_LINE.matcher(log(m.id()));
      while (matcher.find()) {
        if (!matcher.group(2).equals("unknown")) {
          leaders
              .computeIfAbsent(Long.parseLong(matcher.group(1)), t -> new java.util.TreeSet<>())
              .add(matcher.group(2));
        }
      }
    }
    assertThat(leaders).as("leaders named in each term").isNotEmpty();
    leaders.forEach(
        (term, named) ->
            assertThat(named).as("leaders named in term %d; %s", term, logs()).hasSize(1));
  }

  /** The newest term in which any node printed a leader. */
  long newestTerm() {
    long newest = 0;
    for (Member m : members) {
      Matcher matcher = LEADER_LINE.matcher(log(m.id()));
      while (matcher.find()) {
        newest = Math.max(newest, Long.parseLong(matcher.group(1)));
      }
    }
    return newest;
  }

  /** The leader named by the newest leader line any node printed. */
  String currentLeader() {
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

  /** Every leader that {@code id} has printed, in order. */
  List<String> leadersSeenBy(String id) {
    List<String> leaders = new ArrayList<>();
    Matcher matcher = LEADER_LINE.matcher(log(id));
    while (matcher.find()) {
      leaders.add(matcher.group(2));
    }
    return leaders;
  }

  /**
   * Polls, parking briefly between polls, until the last leader {@code id} printed is the current
   * leader: a node back from a fault rejoins within {@code max} (its peers may first wait out a
   * reconnection backoff).
   */
  void awaitFollowing(String id, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    while (!isFollowingTheLeader(id)) {
      assertThat(System.nanoTime() - deadline)
          .as(() -> id + " does not follow " + currentLeader() + " within " + max + "\n" + logs())
          .isNegative();
      LockSupport.parkNanos(20_000_000);
    }
  }

  private boolean isFollowingTheLeader(String id) {
    List<String> seen = leadersSeenBy(id);
    return !seen.isEmpty() && seen.get(seen.size() - 1).equals(currentLeader());
  }

  /** Polls until the cluster answers a read: the JVMs have started and elected a leader. */
  void awaitReady(Function<KvCommand, KvOutcome> client) {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    KvOutcome read;
    do {
      read = client.apply(KvCommand.get("ready"));
    } while (read.kind() != KvOutcome.Kind.OK && System.nanoTime() < deadline);
    assertThat(read.kind()).as(this::logs).isEqualTo(KvOutcome.Kind.OK);
  }

  /**
   * Waits for the cluster, then puts {@code count} writes that must all succeed (no fault yet): the
   * acknowledged writes, to which the test adds.
   */
  Map<String, String> writeBeforeTheFault(Function<KvCommand, KvOutcome> client, int count) {
    awaitReady(client);
    Map<String, String> acknowledged = new LinkedHashMap<>();
    write(client, "before", count, acknowledged);
    assertThat(acknowledged).as(this::logs).hasSize(count);
    return acknowledged;
  }

  /** Puts {@code prefix-i = vi}; records the acknowledged ones (only ok is a promise). */
  static void write(
      Function<KvCommand, KvOutcome> client,
      String prefix,
      int count,
      Map<String, String> acknowledged) {
    for (int i = 0; i < count; i++) {
      put(client, prefix, i, acknowledged);
    }
  }

  /**
   * Puts {@code prefix-i = vi} one after another until {@code wanted} of them are acknowledged;
   * fails if that takes longer than {@code within}.
   */
  void writeUntilAcknowledged(
      Function<KvCommand, KvOutcome> client,
      String prefix,
      int wanted,
      Duration within,
      Map<String, String> acknowledged) {
    long end = System.nanoTime() + within.toNanos();
    int before = acknowledged.size();
    for (int i = 0; acknowledged.size() - before < wanted; i++) {
      assertThat(System.nanoTime())
          .as(
              "%d of %d writes acknowledged within %s; %s",
              acknowledged.size() - before, wanted, within, logs())
          .isLessThan(end);
      put(client, prefix, i, acknowledged);
    }
  }

  /**
   * Puts {@code prefix-i = vi} one after another until {@code period} has passed, so that a fault
   * lasts at least that long; records the acknowledged ones.
   */
  static void writeFor(
      Function<KvCommand, KvOutcome> client,
      String prefix,
      Duration period,
      Map<String, String> acknowledged) {
    long end = System.nanoTime() + period.toNanos();
    for (int i = 0; System.nanoTime() < end; i++) {
      put(client, prefix, i, acknowledged);
    }
  }

  private static void put(
      Function<KvCommand, KvOutcome> client,
      String prefix,
      int i,
      Map<String, String> acknowledged) {
    String key = prefix + "-" + i;
    String value = "v" + i;
    if (client.apply(KvCommand.put(key, value)).kind() == KvOutcome.Kind.OK) {
      acknowledged.put(key, value);
    }
  }

  /** Every acknowledged write reads back through {@code client}. */
  void assertReadable(Function<KvCommand, KvOutcome> client, Map<String, String> acknowledged) {
    Map<String, String> missing = new LinkedHashMap<>();
    acknowledged.forEach(
        (key, value) -> {
          KvOutcome read = client.apply(KvCommand.get(key));
          if (read.kind() != KvOutcome.Kind.OK || !value.equals(read.text())) {
            missing.put(key, read.line());
          }
        });
    assertThat(missing).as(this::logs).isEmpty();
  }

  String log(String id) {
    try {
      Path file = logFile(id);
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String logs() {
    return members.stream()
        .map(m -> "--- " + m.id() + " ---\n" + log(m.id()))
        .collect(Collectors.joining("\n"));
  }

  static byte[] secret() {
    return SECRET.getBytes(StandardCharsets.UTF_8);
  }

  private Path logFile(String id) {
    return dir.resolve(id + ".out");
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes.values()) {
      p.destroyForcibly();
    }
    for (Process p : processes.values()) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
