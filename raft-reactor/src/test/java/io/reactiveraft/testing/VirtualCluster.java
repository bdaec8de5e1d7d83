package io.reactiveraft.testing;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.Role;
import io.reactiveraft.log.InMemoryLogStore;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.transport.local.LinkRule;
import io.reactiveraft.transport.local.LocalNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Real nodes on one thread: every node's event loop, apply worker and timers, and the in-JVM
 * network, run on one {@link VirtualTimeScheduler}, so a run is a function of its seed. Messages
 * take 1 ms by default, so that proposals made together batch together.
 */
public final class VirtualCluster implements AutoCloseable {

  /** The step by which the cluster's clock advances while a test waits for a condition. */
  public static final Duration STEP = Duration.ofMillis(5);

  private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
  private final LocalNetwork network;
  private List<Member> members;
  private final Map<String, RaftNode<String, String>> nodes = new LinkedHashMap<>();
  private final Map<String, RecordingStateMachine> stateMachines = new LinkedHashMap<>();
  private final List<LeaderChange> leaderChanges = Collections.synchronizedList(new ArrayList<>());
  private final long seed;
  private final BiFunction<
          String, RaftConfig.Builder<String, String>, RaftConfig.Builder<String, String>>
      customizer;

  public VirtualCluster(int size, long seed) {
    this(size, seed, UnaryOperator.identity());
  }

  public VirtualCluster(
      int size, long seed, UnaryOperator<RaftConfig.Builder<String, String>> customizer) {
    this(size, seed, (id, builder) -> customizer.apply(builder));
  }

  /** With {@code customizer} told the id of the node whose configuration it changes. */
  public VirtualCluster(
      int size,
      long seed,
      BiFunction<String, RaftConfig.Builder<String, String>, RaftConfig.Builder<String, String>>
          customizer) {
    this.seed = seed;
    this.customizer = customizer;
    this.network = new LocalNetwork(scheduler, seed);
    network.addRule(LinkRule.delay(null, null, null, Duration.ofMillis(1), Duration.ofMillis(1)));
    this.members =
        IntStream.rangeClosed(1, size).mapToObj(i -> new Member("n" + i, "local:n" + i)).toList();
    members.forEach(m -> start(m.id(), true));
  }

  /**
   * Starts a new, empty node that is not part of the cluster yet (no bootstrap): it knows the
   * members and itself, and waits for a leader to add it.
   */
  public RaftNode<String, String> startJoining(String id) {
    members =
        java.util.stream.Stream.concat(
                members.stream(), java.util.stream.Stream.of(new Member(id, "local:" + id)))
            .toList();
    start(id, false);
    return nodes.get(id);
  }

  private void start(String id, boolean bootstrap) {
    RecordingStateMachine sm = new RecordingStateMachine();
    RaftConfig.Builder<String, String> builder =
        RaftConfig.<String, String>builder()
            .members(members)
            .self(id)
            .transport(network.transport(id))
            .logStore(new InMemoryLogStore())
            .stateMachine(sm)
            .codec(new StringCodec())
            .scheduler(scheduler)
            .applyScheduler(scheduler)
            .ioScheduler(scheduler)
            .randomSeed(seed * 31 + id.hashCode())
            .bootstrap(bootstrap)
            .monotonicClock(() -> scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS));
    RaftNode<String, String> node = ReactiveRaft.start(customizer.apply(id, builder).build());
    node.leaderChanges().subscribe(leaderChanges::add);
    nodes.put(id, node);
    stateMachines.put(id, sm);
  }

  public LocalNetwork network() {
    return network;
  }

  public VirtualTimeScheduler scheduler() {
    return scheduler;
  }

  public List<String> ids() {
    return List.copyOf(nodes.keySet());
  }

  public RaftNode<String, String> node(String id) {
    return nodes.get(id);
  }

  public RecordingStateMachine stateMachine(String id) {
    return stateMachines.get(id);
  }

  /** Every leadership change any node reported, in order. */
  public List<LeaderChange> leaderChanges() {
    synchronized (leaderChanges) {
      return List.copyOf(leaderChanges);
    }
  }

  public RaftStatus status(String id) {
    return nodes.get(id).status().block(Duration.ZERO);
  }

  /** Ids of the nodes that currently believe they lead. */
  public List<String> leaders() {
    return nodes.keySet().stream().filter(id -> status(id).role() == Role.LEADER).toList();
  }

  public void advance(Duration d) {
    scheduler.advanceTimeBy(d);
  }

  /** Advances time in steps until the condition holds; fails after {@code max}. */
  public void advanceUntil(BooleanSupplier condition, Duration max, String what) {
    long steps = max.toNanos() / STEP.toNanos();
    for (long i = 0; i < steps; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      scheduler.advanceTimeBy(STEP);
    }
    if (!condition.getAsBoolean()) {
      throw new AssertionError("not reached within " + max + " of virtual time: " + what);
    }
  }

  /** Waits for one node, among {@code among}, to lead and the others there to know it. */
  public String awaitLeader(List<String> among, Duration max) {
    String[] found = new String[1];
    advanceUntil(
        () -> {
          List<String> leaders =
              among.stream().filter(id -> status(id).role() == Role.LEADER).toList();
          if (leaders.size() != 1) {
            return false;
          }
          found[0] = leaders.get(0);
          return among.stream().allMatch(id -> found[0].equals(status(id).leader()));
        },
        max,
        "a leader known to all of " + among);
    return found[0];
  }

  /** Awaits a leader other than {@code id}, moving leadership away from it if it leads. */
  public String awaitLeaderOtherThan(String id) {
    String leader = awaitLeader();
    if (!leader.equals(id)) {
      return leader;
    }
    String target = ids().stream().filter(other -> !other.equals(id)).findFirst().orElseThrow();
    node(leader).transferLeadership(target).subscribe();
    return awaitLeader(
        ids().stream().filter(other -> !other.equals(id)).toList(), Duration.ofSeconds(5));
  }

  public String awaitLeader() {
    return awaitLeader(ids(), Duration.ofSeconds(10));
  }

  /** Observes every message sent on the network. */
  public void observe(java.util.function.Consumer<RaftMessage> observer) {
    network.observe(observer);
  }

  public Optional<String> leaderIn(long term) {
    return leaderChanges().stream()
        .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER && c.term() == term)
        .map(LeaderChange::leader)
        .findFirst();
  }

  @Override
  public void close() {
    nodes.values().forEach(n -> n.close().subscribe());
    scheduler.advanceTimeBy(Duration.ofSeconds(1));
    scheduler.dispose();
  }
}
