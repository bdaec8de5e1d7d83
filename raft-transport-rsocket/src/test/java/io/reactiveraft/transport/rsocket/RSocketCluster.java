package io.reactiveraft.transport.rsocket;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.Role;
import io.reactiveraft.log.InMemoryLogStore;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.testing.RecordingStateMachine;
import io.reactiveraft.testing.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import reactor.core.publisher.Flux;

/**
 * Real nodes on real time, talking RSocket over 127.0.0.1 on ports chosen at run time. Each node
 * has an in-memory log and a {@link RecordingStateMachine}.
 */
final class RSocketCluster implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final List<Member> members;
  private final UnaryOperator<RSocketTransportBuilder> transportOptions;
  private final Map<String, RaftNode<String, String>> nodes = new ConcurrentHashMap<>();
  private final Map<String, RecordingStateMachine> stateMachines = new ConcurrentHashMap<>();
  private final Map<String, RSocketTransport> transports = new ConcurrentHashMap<>();
  private final List<String> stepDowns = new CopyOnWriteArrayList<>();
  private final Map<String, SharedEventLoop> loops = new ConcurrentHashMap<>();
  private final boolean sharedEventLoops;

  RSocketCluster(int size) {
    this(size, UnaryOperator.identity());
  }

  RSocketCluster(int size, UnaryOperator<RSocketTransportBuilder> transportOptions) {
    this(size, transportOptions, false);
  }

  /**
   * @param sharedEventLoops whether each node runs its event loop on its transport's thread ({@link
   *     SharedEventLoop}, named {@code raft-shared-<id>})
   */
  RSocketCluster(
      int size, UnaryOperator<RSocketTransportBuilder> transportOptions, boolean sharedEventLoops) {
    this.sharedEventLoops = sharedEventLoops;
    this.members =
        IntStream.rangeClosed(1, size)
            .mapToObj(i -> new Member("n" + i, Loopback.freeAddress()))
            .toList();
    this.transportOptions = transportOptions;
    members.forEach(m -> start(m.id()));
  }

  List<Member> members() {
    return members;
  }

  Member member(String id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
  }

  /**
   * Starts member {@code id} with a fresh log and state machine. The first start bootstraps the
   * cluster; a restart (after {@link #stop}) does not, so the blank node waits for the leader to
   * bring it the log before it votes.
   */
  void start(String id) {
    boolean restart = stateMachines.containsKey(id);
    RecordingStateMachine sm = new RecordingStateMachine();
    RSocketTransportBuilder transportBuilder = transportOptions.apply(TestTransports.builder());
    RaftConfig.Builder<String, String> builder = RaftConfig.builder();
    if (sharedEventLoops) {
      SharedEventLoop loop =
          loops.computeIfAbsent(id, i -> SharedEventLoop.create("raft-shared-" + i));
      transportBuilder.loopResources(loop.loopResources());
      builder.scheduler(loop.scheduler());
    }
    RSocketTransport transport = transportBuilder.build();
    RaftConfig<String, String> config =
        builder
            .members(members)
            .self(id)
            .transport(transport)
            .logStore(new InMemoryLogStore())
            .stateMachine(sm)
            .codec(new StringCodec())
            // Lenient timing: PARANOID leak detection makes every buffer operation slow, and the
            // test machine may be busy. With 500 ms, a leader now and then stepped down for
            // check-quorum under the first burst of submissions while every message had been
            // delivered and acknowledged (the step-down records below showed nothing dropped or
            // failed): the nodes' loops were short of CPU, not of messages.
            .electionTimeout(Duration.ofMillis(1500))
            .bootstrap(!restart)
            .leaderChangeListener(
                change -> {
                  if (change.kind() == LeaderChange.Kind.STEPPED_DOWN) {
                    stepDowns.add(change + " with transports at " + describeTransports());
                  }
                })
            .build();
    nodes.put(id, ReactiveRaft.start(config));
    stateMachines.put(id, sm);
    transports.put(id, transport);
  }

  /** Closes member {@code id}'s node, and with it its transport. */
  void stop(String id) {
    RaftNode<String, String> node = nodes.remove(id);
    node.close().block(TIMEOUT);
  }

  List<String> running() {
    return members.stream().map(Member::id).filter(nodes::containsKey).toList();
  }

  RaftNode<String, String> node(String id) {
    return nodes.get(id);
  }

  RecordingStateMachine stateMachine(String id) {
    return stateMachines.get(id);
  }

  RSocketTransport transport(String id) {
    return transports.get(id);
  }

  RaftStatus status(String id) {
    return nodes.get(id).status().block(TIMEOUT);
  }

  /** Waits for one running node to lead and every running node to know it. */
  String awaitLeader() {
    String[] leader = new String[1];
    Await.until(
        () -> {
          List<String> running = running();
          List<String> leaders =
              running.stream().filter(id -> status(id).role() == Role.LEADER).toList();
          if (leaders.size() != 1) {
            return false;
          }
          leader[0] = leaders.get(0);
          return running.stream().allMatch(id -> leader[0].equals(status(id).leader()));
        },
        TIMEOUT,
        "a leader known to every running node");
    return leader[0];
  }

  /**
   * Submits {@code commands} to {@code leader}, at most {@code concurrency} at a time, and waits
   * for every result.
   *
   * @return each command's result, by command
   */
  Map<String, String> submitAll(String leader, List<String> commands, int concurrency) {
    RaftNode<String, String> node = nodes.get(leader);
    try {
      return Flux.fromIterable(commands)
          // Each command gets the whole wait, not the default 4 s: a thousand in flight under
          // PARANOID leak detection on a busy machine may take longer than that to commit.
          .flatMap(c -> node.submit(c, TIMEOUT).map(r -> Map.entry(c, r)), concurrency)
          .collectMap(Map.Entry::getKey, Map.Entry::getValue)
          .block(TIMEOUT);
    } catch (RuntimeException e) {
      throw new AssertionError("submitting failed; " + describe(), e);
    }
  }

  /** Waits until every running node has applied everything the leader has. */
  void awaitConverged(String leader) {
    Await.until(
        () -> {
          long last = status(leader).lastLogIndex();
          return running().stream().allMatch(id -> status(id).lastApplied() == last);
        },
        TIMEOUT,
        () -> "every running node applies the leader's whole log; " + describe());
  }

  /** Each running node's status and transport counters, and past step-downs, for failures. */
  String describe() {
    StringBuilder b = new StringBuilder();
    for (String id : running()) {
      b.append('\n').append(status(id)).append("\n  ").append(transports.get(id).stats());
    }
    stepDowns.forEach(s -> b.append("\n").append(s));
    return b.toString();
  }

  private String describeTransports() {
    StringBuilder b = new StringBuilder();
    transports.forEach((id, t) -> b.append(' ').append(id).append('=').append(t.stats()));
    return b.toString();
  }

  /** Commands of the form {@code prefix-i}. */
  static List<String> commands(String prefix, int count) {
    List<String> commands = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      commands.add(prefix + "-" + i);
    }
    return commands;
  }

  @Override
  public void close() {
    Flux.fromIterable(List.copyOf(nodes.values())).flatMap(RaftNode::close).then().block(TIMEOUT);
    nodes.clear();
    Flux.fromIterable(List.copyOf(loops.values()))
        .flatMap(SharedEventLoop::close)
        .then()
        .block(TIMEOUT);
    loops.clear();
  }
}
