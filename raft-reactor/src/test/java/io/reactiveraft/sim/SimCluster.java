package io.reactiveraft.sim;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.RaftNode;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.Role;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.snapshot.InMemorySnapshotStore;
import io.reactiveraft.testing.StringCodec;
import io.reactiveraft.transport.local.LinkRule;
import io.reactiveraft.transport.local.LocalNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The simulated cluster: real nodes on one virtual clock over the in-JVM network, each with a
 * {@link SimDisk} that outlives crashes and a {@link PausableScheduler} for pauses and clock skew.
 * Records what the invariant checks need: leaders per term, votes, stale deliveries.
 */
final class SimCluster implements AutoCloseable {

  /** One member: its disk and, while it runs, its current incarnation. */
  static final class SimNode {
    final String id;
    final SimDisk disk;
    final PausableScheduler scheduler;
    RaftNode<String, String> node;
    RegisterMachine machine;

    /** Its snapshots: committed ones survive crashes, as the disk's forced writes do. */
    InMemorySnapshotStore snapshots = new InMemorySnapshotStore();

    int incarnation;
    long lastCommit;

    SimNode(String id, SimDisk disk, PausableScheduler scheduler) {
      this.id = id;
      this.disk = disk;
      this.scheduler = scheduler;
    }

    boolean running() {
      return node != null;
    }
  }

  static final Duration TICK = Duration.ofMillis(10);
  static final Duration HEARTBEAT = Duration.ofMillis(50);
  static final Duration ELECTION_TIMEOUT = Duration.ofMillis(300);

  final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
  final LocalNetwork network;
  final List<Member> members;
  final Map<String, SimNode> nodes = new LinkedHashMap<>();
  final FaultCounters counters;
  final List<String> violations = new ArrayList<>();

  /** Term to the leader that won it. */
  final Map<Long, String> leaderOfTerm = new LinkedHashMap<>();

  /** (voter, term) to the candidate it voted for. */
  final Map<String, String> votes = new LinkedHashMap<>();

  /** Every BECAME_LEADER seen, to check leader completeness in order. */
  final List<LeaderChange> newLeaders = new ArrayList<>();

  /** Told of every new leader (the nemesis uses it to strike right after elections). */
  java.util.function.Consumer<LeaderChange> onNewLeader = c -> {};

  private final SplittableRandom random;
  private final long seed;

  /** Drawn per seed, so that runs differ in batching and disk speed as well as in faults. */
  private final int maxEntriesPerAppend;

  final Duration maxSyncDelay;

  /** How clients read: through the log, with ReadIndex, or from the leader's lease. */
  enum ReadMode {
    LOG,
    READ_INDEX,
    LEASE
  }

  final ReadMode readMode;

  /** Whether followers forward client commands to the leader (drawn per seed). */
  final boolean forwarding;

  /** Every message's delay; a slow network in some runs. */
  final LinkRule baseLatency;

  final int snapshotThreshold;

  /**
   * Entries each node keeps in memory; small in most runs, so that replication, applies and
   * restarts read old entries back from the simulated disk. Drawn from the seed without using the
   * random stream, so that the faults of every recorded seed stay what they were.
   */
  final int logEntriesInMemory;

  /** Whether chunk reads of snapshots are damaged now and then; off once the faults stop. */
  boolean damagingSnapshotReads = true;

  SimCluster(int size, long seed, SplittableRandom random, FaultCounters counters) {
    this.seed = seed;
    this.random = random;
    this.counters = counters;
    this.network = new LocalNetwork(clock, random.nextLong());
    this.members =
        IntStream.rangeClosed(1, size).mapToObj(i -> new Member("n" + i, "sim:n" + i)).toList();
    this.maxEntriesPerAppend = new int[] {1, 2, 4, 8, 64}[random.nextInt(5)];
    this.maxSyncDelay = Duration.ofMillis(new int[] {1, 5, 30, 100, 250}[random.nextInt(5)]);
    this.baseLatency =
        random.nextInt(4) == 0
            ? LinkRule.delay(null, null, null, Duration.ofMillis(5), Duration.ofMillis(20))
            : LinkRule.delay(null, null, null, Duration.ofNanos(200_000), Duration.ofMillis(2));
    this.readMode = ReadMode.values()[random.nextInt(ReadMode.values().length)];
    this.forwarding = random.nextBoolean();
    // Snapshots often enough that followers catch up through them and nodes restart from them.
    this.snapshotThreshold = new int[] {10, 40, 150, 1_000_000}[random.nextInt(4)];
    this.logEntriesInMemory =
        new int[] {1, 3, 20, 8_192}[Math.floorMod(Long.hashCode(seed * 31), 4)];
    boolean skewed = random.nextBoolean();
    // Leases trust clocks: within the configured drift bound (10 %), two clocks at +-4 % stay
    // safe; the other modes get the wild skew.
    skew = readMode == ReadMode.LEASE ? 0.08 : 0.4;
    for (Member m : members) {
      double rate = skewed ? 1 - skew / 2 + skew * random.nextDouble() : 1.0;
      SimDisk disk = new SimDisk(m.id(), clock, random.split(), maxSyncDelay);
      disk.onViolation = violations::add;
      disk.onTruncation = () -> counters.add(FaultCounters.Kind.TRUNCATION);
      nodes.put(m.id(), new SimNode(m.id(), disk, new PausableScheduler(clock, rate)));
    }
    if (skewed) {
      counters.add(FaultCounters.Kind.CLOCK_SKEW);
    }
    network.observe(this::observe);
    nodes.keySet().forEach(id -> start(id, true));
  }

  long nowNanos() {
    return clock.now(java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** Starts a node on its disk; {@code bootstrap} only matters while the disk is empty. */
  void start(String id, boolean bootstrap) {
    SimNode n = nodes.get(id);
    n.incarnation++;
    n.machine = new RegisterMachine();
    // Invariant 6: a restarted node starts from the commit index its disk recorded, not below.
    n.lastCommit = n.disk.recordedCommitIndex();
    RaftConfig<String, String> config =
        RaftConfig.<String, String>builder()
            .members(members)
            .self(id)
            .transport(network.transport(id))
            .logStore(n.disk.open())
            .snapshotStore(
                new DamagingSnapshotReads(
                    n.snapshots,
                    // Drawn apart from the cluster's stream, which recorded seeds depend on.
                    new SplittableRandom(seed * 7_919L + id.hashCode() * 31L + n.incarnation),
                    () -> damagingSnapshotReads,
                    () -> counters.add(FaultCounters.Kind.SNAPSHOT_DAMAGED)))
            .snapshotThreshold(snapshotThreshold)
            .logEntriesInMemory(logEntriesInMemory)
            .snapshotChunkBytes(1024)
            .logHistory(2)
            .ioScheduler(n.scheduler)
            .stateMachine(n.machine)
            .codec(new StringCodec())
            .scheduler(n.scheduler)
            .applyScheduler(n.scheduler)
            .tickInterval(TICK)
            .heartbeatInterval(HEARTBEAT)
            .electionTimeout(ELECTION_TIMEOUT)
            .maxEntriesPerAppend(maxEntriesPerAppend)
            .maxInflightAppends(4)
            .catchUpRounds(5)
            .leaseReads(readMode == ReadMode.LEASE)
            .forwardToLeader(forwarding)
            // Each node's clock runs at its own rate, as its timers do.
            .monotonicClock(n.scheduler::clockNanos)
            .bootstrap(bootstrap)
            .randomSeed(seed * 1_000_003L + id.hashCode() * 31L + n.incarnation)
            .build();
    RaftNode<String, String> node = ReactiveRaft.start(config);
    if (n.machine.restores() > 0) {
      counters.add(FaultCounters.Kind.SNAPSHOT_RESTORED);
    }
    n.node = node;
    node.leaderChanges().subscribe(this::onLeaderChange);
    node.events()
        .subscribe(
            e -> onEvent(n, e),
            e -> {
              if (e instanceof SimDisk.InjectedFsyncFailure) {
                // Fail-stop, as it must: the operator's restart comes from the nemesis.
                counters.add(FaultCounters.Kind.FSYNC_FAILED);
                onFailStop.accept(id);
              } else {
                violations.add(id + " stopped itself: " + e);
              }
            });
  }

  long seed() {
    return seed;
  }

  /** How far apart clock rates may be in this run: each lies in [1 - skew / 2, 1 + skew / 2]. */
  double clockSkew() {
    return skew;
  }

  private double skew;

  /** Hears of a node that stopped on an injected fsync failure; the nemesis restarts it. */
  java.util.function.Consumer<String> onFailStop = id -> {};

  /** Stops a node at once and loses its unforced writes; returns how many were lost. */
  int crash(String id) {
    SimNode n = nodes.get(id);
    if (!n.running()) {
      return 0;
    }
    RaftNode<String, String> node = n.node;
    if (n.scheduler.paused()) {
      // A crashed process is not paused any more. Resuming runs what it held, which may
      // complete a membership change whose callback already crashed this very node.
      n.scheduler.resume();
      if (n.node != node) {
        return 0;
      }
    }
    node.close().subscribe();
    n.node = null;
    int lost = n.disk.crash();
    return lost;
  }

  void pause(String id) {
    SimNode n = nodes.get(id);
    if (n.running()) {
      n.scheduler.pause();
    }
  }

  void resume(String id) {
    nodes.get(id).scheduler.resume();
  }

  List<String> running() {
    return nodes.values().stream().filter(SimNode::running).map(n -> n.id).toList();
  }

  Optional<RaftStatus> status(String id) {
    SimNode n = nodes.get(id);
    if (!n.running() || n.scheduler.paused()) {
      return Optional.empty();
    }
    List<RaftStatus> out = new ArrayList<>(1);
    n.node.status().subscribe(out::add, e -> {});
    return out.isEmpty() ? Optional.empty() : Optional.of(out.get(0));
  }

  /** The node that most recently became leader and still believes it leads. */
  Optional<String> leader() {
    String best = null;
    long bestTerm = -1;
    for (String id : running()) {
      Optional<RaftStatus> s = status(id);
      if (s.isPresent() && s.get().role() == Role.LEADER && s.get().term() > bestTerm) {
        best = id;
        bestTerm = s.get().term();
      }
    }
    return Optional.ofNullable(best);
  }

  private void onLeaderChange(LeaderChange c) {
    if (c.kind() != LeaderChange.Kind.BECAME_LEADER) {
      return;
    }
    counters.add(FaultCounters.Kind.ELECTION);
    newLeaders.add(c);
    onNewLeader.accept(c);
    String previous = leaderOfTerm.putIfAbsent(c.term(), c.leader());
    if (previous != null && !previous.equals(c.leader())) {
      violations.add("two leaders in term " + c.term() + ": " + previous + " and " + c.leader());
    }
  }

  /** (leader, term) to the commit index its first AppendEntries of that term carried. */
  private final Map<String, Long> commitAtElection = new LinkedHashMap<>();

  private void observe(RaftMessage m) {
    if (m instanceof io.reactiveraft.message.InstallSnapshotRequest r && r.last()) {
      counters.add(FaultCounters.Kind.SNAPSHOT_SENT);
    }
    if (m instanceof AppendEntriesRequest r) {
      checkCommitRule(r);
    }
    if (m instanceof AppendEntriesResponse r && r.success() && r.matchIndex() > 0) {
      // A follower acknowledges only what it has made durable (thesis 10.2.1).
      SimNode follower = nodes.get(r.from());
      // A durable snapshot holds what it covers: a follower may apply, snapshot and acknowledge
      // committed entries before its log's own copy of them is forced.
      if (!follower.disk.durablyHolds(r.matchIndex())
          && follower.snapshots.list().stream().noneMatch(x -> x.index() >= r.matchIndex())) {
        violations.add(
            r.from()
                + " acknowledged index "
                + r.matchIndex()
                + " in term "
                + r.term()
                + " before it was durable");
      }
    }
    if (m instanceof VoteResponse r && r.granted() && !r.preVote()) {
      String key = r.from() + "@" + r.term();
      String previous = votes.putIfAbsent(key, r.to());
      if (previous != null && !previous.equals(r.to())) {
        violations.add(
            r.from() + " voted twice in term " + r.term() + ": " + previous + " and " + r.to());
      }
    }
  }

  /**
   * Paper 5.4.2 (Figure 8): a leader advances its commit index past what it inherited only to an
   * entry of its own term. Seen from outside: a leader's AppendEntries carry its commit index, and
   * the first one of a term carries the inherited value.
   */
  private void checkCommitRule(AppendEntriesRequest r) {
    String key = r.from() + "@" + r.term();
    long inherited = commitAtElection.computeIfAbsent(key, k -> r.leaderCommit());
    SimNode leader = nodes.get(r.from());
    if (r.leaderCommit() <= inherited || !leader.running()) {
      return;
    }
    List<io.reactiveraft.message.LogEntry> log = leader.disk.currentLog();
    long entryTerm =
        r.leaderCommit() <= log.size() ? log.get((int) r.leaderCommit() - 1).term() : -1;
    if (entryTerm != r.term()) {
      violations.add(
          "leader "
              + r.from()
              + " of term "
              + r.term()
              + " committed entry "
              + r.leaderCommit()
              + " of term "
              + entryTerm
              + " by counting replicas (paper Figure 8)");
    }
  }

  private void onEvent(SimNode n, RaftEvent e) {
    if (e instanceof RaftEvent.SnapshotTaken) {
      counters.add(FaultCounters.Kind.SNAPSHOT_TAKEN);
    }
    if (e instanceof RaftEvent.MessageReceived m
        && m.message().term() < n.disk.hardState().currentTerm()) {
      counters.add(FaultCounters.Kind.STALE_MESSAGE);
    }
  }

  @Override
  public void close() {
    for (SimNode n : nodes.values()) {
      if (n.running()) {
        n.scheduler.resume();
        n.node.close().subscribe();
      }
    }
    clock.advanceTimeBy(Duration.ofSeconds(1));
    clock.dispose();
  }
}
