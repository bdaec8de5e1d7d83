package io.reactiveraft.sim;

import io.reactiveraft.Member;
import io.reactiveraft.MembershipChangeException;
import io.reactiveraft.RaftException;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.ForwardedCommand;
import io.reactiveraft.message.ForwardedCommandResponse;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.InstallSnapshotResponse;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.ReadIndexRequest;
import io.reactiveraft.message.ReadIndexResponse;
import io.reactiveraft.message.TimeoutNow;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.sim.FaultCounters.Kind;
import io.reactiveraft.snapshot.InMemorySnapshotStore;
import io.reactiveraft.transport.local.LinkRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Injects faults drawn from the seed: partitions (leader isolated, majority/minority split, a
 * majorities ring), message drop, duplication and delay, crashes with lost unforced writes and
 * restarts, logs cut at damage at a crash (the node lost entries it acknowledged), flushes that
 * fail (the node must stop; it is then restarted as after a crash), and pauses longer than an
 * election timeout.
 */
final class Nemesis {

  private static final List<Class<? extends RaftMessage>> KINDS =
      List.of(
          AppendEntriesRequest.class,
          AppendEntriesResponse.class,
          VoteRequest.class,
          VoteResponse.class);

  /** The other kinds, each rarer on the wire, and each with a protocol path of its own. */
  private static final List<Class<? extends RaftMessage>> OTHER_KINDS =
      List.of(
          TimeoutNow.class,
          ReadIndexRequest.class,
          ReadIndexResponse.class,
          InstallSnapshotRequest.class,
          InstallSnapshotResponse.class,
          ForwardedCommand.class,
          ForwardedCommandResponse.class);

  private final SimCluster cluster;
  private final SplittableRandom random;
  private final FaultCounters counters;
  private final Set<String> crashed = new HashSet<>();
  private final Set<String> paused = new HashSet<>();
  private final Set<String> removed = new HashSet<>();

  /**
   * Servers added back with an empty disk: restarted, they must not bootstrap (an empty node that
   * bootstraps votes freely), but wait for a leader to bring them the log.
   */
  private final Set<String> joinedEmpty = new HashSet<>();

  private boolean changing;
  private final int faultsPerThousandSteps;
  private final int leaderChurnPercent;
  private boolean active = true;
  private boolean partitioned;

  Nemesis(SimCluster cluster, SplittableRandom random) {
    this.cluster = cluster;
    this.random = random;
    this.counters = cluster.counters;
    this.faultsPerThousandSteps = new int[] {20, 40, 80}[random.nextInt(3)];
    this.leaderChurnPercent = new int[] {0, 20, 50, 100}[random.nextInt(4)];
    cluster.onNewLeader = this::maybeStrikeNewLeader;
    // Drawn apart from the other faults, so that a seed where no flush fails runs as before.
    this.diskFaults = new SplittableRandom(cluster.seed() ^ 0x5DEECE66DL);
    this.messageKinds = new SplittableRandom(cluster.seed() ^ 0x2545F4914F6CDD1DL);
    this.clockFaults = new SplittableRandom(cluster.seed() ^ 0x61C8864680B583EBL);
    this.cutFaults = new SplittableRandom(cluster.seed() ^ 0x9E3779B97F4A7C15L);
    this.cutsLogs = cutFaults.nextInt(4) == 0 && !PINNED_BEFORE_CUTS.contains(cluster.seed());
    this.changesWithCuts =
        cutsLogs
            && cluster.members.size() == 5
            && !PINNED_BEFORE_CUT_CHANGES.contains(cluster.seed());
    this.lingerFaults = new SplittableRandom(cluster.seed() ^ 0xD1B54A32D192ED03L);
    this.removedLinger =
        lingerFaults.nextBoolean() && !PINNED_BEFORE_LINGERING.contains(cluster.seed());
    cluster.onFailStop =
        id ->
            cluster.clock.schedule(
                () -> {
                  if (cluster.nodes.get(id).running()) {
                    crashNode(id); // what the failed flush was to make durable may be lost
                  }
                });
  }

  private final SplittableRandom diskFaults;
  private final SplittableRandom messageKinds;
  private final SplittableRandom clockFaults;
  private final SplittableRandom cutFaults;
  private final SplittableRandom lingerFaults;

  /**
   * Whether a removed server stays up a while before it is wiped, as a real one does until its
   * operator stops it: it may not have heard that its removal committed, and campaigns. Those that
   * do must not disrupt the cluster (thesis 4.2.3).
   */
  private final boolean removedLinger;

  /** Removed servers still running, not yet wiped; they are not added back meanwhile. */
  private final Set<String> lingering = new HashSet<>();

  /** The regression seeds pinned before removed servers lingered, which replay as they did. */
  private static final Set<Long> PINNED_BEFORE_LINGERING =
      Set.of(
          439L, 660L, 1156L, 1236L, 2227L, 2327L, 2474L, 2527L, 2736L, 2802L, 4982L, 100424L,
          500139L, 1102698L);

  /**
   * Whether this run cuts logs at damage; such a run changes membership only with five members
   * ({@link #changesWithCuts}). A cut node holds out of elections until it has its entries back,
   * and a removal could leave it with one other voter: neither could then lead, which is what the
   * rule asks of a cluster that lost one of two disks.
   */
  private final boolean cutsLogs;

  /**
   * Whether this run, which cuts logs, changes membership too: only with five members, and never
   * below four voters, so that besides a cut node that holds out of elections three voters remain,
   * a majority of four.
   */
  private final boolean changesWithCuts;

  /** The regression seeds pinned before runs that cut logs changed membership. */
  private static final Set<Long> PINNED_BEFORE_CUT_CHANGES =
      Set.of(
          439L, 660L, 1156L, 1236L, 2227L, 2327L, 2474L, 2527L, 2736L, 2802L, 4982L, 100424L,
          500139L, 1102698L, 9102300L);

  /**
   * Regression seeds pinned before logs were cut, which would otherwise cut and change no
   * membership, and so no longer replay the scenarios they were pinned for.
   */
  private static final Set<Long> PINNED_BEFORE_CUTS = Set.of(1156L, 1236L, 2327L);

  /**
   * Now and then a crash also damages the disk below what the node made durable, and the node comes
   * back with its log cut there, as a store opened with {@code truncateCorruption} does: it has
   * lost entries it acknowledged, and must not help elect a server that lacks them. One node per
   * run, and only while it holds what it lost before.
   */
  private void maybeCutAtDamage(String victim) {
    if (!cutsLogs || cutFaults.nextInt(4) != 0) {
      return;
    }
    if ((cutNode != null && !cutNode.equals(victim))
        || cluster.nodes.get(victim).disk.missingLostEntries()) {
      return;
    }
    SimCluster.SimNode node = cluster.nodes.get(victim);
    long first = node.disk.firstHeld();
    long last = node.disk.durableLog().size();
    List<io.reactiveraft.spi.SnapshotMeta> snapshots = node.snapshots.list();
    if (first <= last) {
      node.disk.cutAtDamage(
          first + cutFaults.nextLong(last - first + 1),
          snapshots.isEmpty() ? null : snapshots.get(snapshots.size() - 1));
      cutNode = victim;
      counters.add(Kind.CUT_AT_DAMAGE);
    }
  }

  /**
   * The one node this run cuts, again and again perhaps: a second would need the first to hold its
   * entries again, and the core's view of that (its durable index, lowered at once by a truncation
   * not yet forced) can lag the disk's; two held out at once leave three nodes no majority to vote.
   */
  private String cutNode;

  /**
   * Now and then a node's clock changes rate (within the run's skew: drift that varies) or jumps
   * forward (a monotonic clock never goes back; a leader whose clock jumps ends its lease early).
   */
  private void maybeMoveAClock() {
    if (clockFaults.nextInt(1000) >= 2) {
      return;
    }
    List<String> ids = ids();
    PausableScheduler scheduler =
        cluster.nodes.get(ids.get(clockFaults.nextInt(ids.size()))).scheduler;
    if (clockFaults.nextBoolean()) {
      double skew = cluster.clockSkew();
      scheduler.drift(1 - skew / 2 + skew * clockFaults.nextDouble());
      counters.add(Kind.CLOCK_DRIFT);
    } else {
      scheduler.jump(TimeUnit.MILLISECONDS.toNanos(50 + clockFaults.nextInt(450)));
      counters.add(Kind.CLOCK_JUMP);
    }
  }

  /** A flush that fails on a running member: about one a run. */
  private void maybeFailAFlush() {
    if (diskFaults.nextInt(1000) != 0) {
      return;
    }
    List<String> up = cluster.running().stream().filter(id -> !removed.contains(id)).toList();
    if (!up.isEmpty()) {
      cluster.nodes.get(up.get(diskFaults.nextInt(up.size()))).disk.failNextFlush = true;
    }
  }

  /**
   * Leader churn: a leader that dies moments after its election leaves a log replicated to some
   * followers only, the ground of the paper's Figure 8.
   */
  private void maybeStrikeNewLeader(io.reactiveraft.LeaderChange c) {
    if (!active || random.nextInt(100) >= leaderChurnPercent) {
      return;
    }
    boolean isolate = random.nextBoolean();
    // Isolated at once, the new leader keeps its no-op to itself: a log that differs from
    // everyone else's in its last term, as S5's does in the paper's Figure 8.
    long delay = isolate ? 0 : random.nextInt(300);
    cluster.clock.schedule(
        () -> {
          if (active && cluster.nodes.get(c.leader()).running()) {
            counters.add(Kind.LEADER_CHURN);
            if (isolate) {
              cluster.network.isolate(c.leader());
              partitioned = true;
            } else {
              crashNode(c.leader());
            }
          }
        },
        delay,
        TimeUnit.MILLISECONDS);
  }

  /** Maybe injects one fault; called once per simulation step. */
  void step() {
    maybeFailAFlush();
    maybeMoveAClock();
    if (random.nextInt(1000) >= faultsPerThousandSteps) {
      return;
    }
    switch (random.nextInt(12)) {
      case 0 -> isolateLeader();
      case 1 -> split();
      case 2 -> ring();
      case 3 -> messageFault();
      case 4, 5 -> crash();
      case 6 -> pause();
      case 7 -> rejoinOne();
      case 8 -> {
        if (!cutsLogs || changesWithCuts) {
          changeMembership();
        }
      }
      case 9 -> transferLeadership();
      default -> heal();
    }
  }

  private List<String> ids() {
    return List.copyOf(cluster.nodes.keySet());
  }

  private void isolateLeader() {
    cluster
        .leader()
        .ifPresent(
            leader -> {
              cluster.network.isolate(leader);
              partitioned = true;
              counters.add(Kind.ISOLATE_LEADER);
            });
  }

  private void split() {
    List<String> ids = new ArrayList<>(ids());
    shuffle(ids);
    int minority = (ids.size() - 1) / 2;
    cluster.network.partition(
        Set.copyOf(ids.subList(0, minority)), Set.copyOf(ids.subList(minority, ids.size())));
    partitioned = true;
    counters.add(Kind.SPLIT);
  }

  /** Every node sees a majority, no two the same one (a bridge when there are only three). */
  private void ring() {
    List<String> ids = new ArrayList<>(ids());
    shuffle(ids);
    int n = ids.size();
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        int distance = Math.min(j - i, n - (j - i));
        if (n == 3 ? (i == 0 && j == 1) : distance > 1) {
          cluster.network.cut(ids.get(i), ids.get(j));
        }
      }
    }
    partitioned = true;
    counters.add(Kind.RING);
  }

  private void messageFault() {
    String from = random.nextBoolean() ? null : pick(ids());
    String to = random.nextBoolean() ? null : pick(ids());
    Class<? extends RaftMessage> kind =
        random.nextBoolean() ? null : KINDS.get(random.nextInt(KINDS.size()));
    if (kind != null && messageKinds.nextInt(3) == 0) {
      // Drawn apart from the other faults, so that the rest of the run's draws stay the same.
      kind = OTHER_KINDS.get(messageKinds.nextInt(OTHER_KINDS.size()));
      counters.add(Kind.OTHER_MESSAGE_KIND);
    }
    switch (random.nextInt(3)) {
      case 0 -> {
        cluster.network.addRule(LinkRule.drop(from, to, kind, 0.1 + 0.4 * random.nextDouble()));
        counters.add(Kind.DROP);
      }
      case 1 -> {
        cluster.network.addRule(
            LinkRule.duplicate(from, to, kind, 0.1 + 0.4 * random.nextDouble()));
        counters.add(Kind.DUPLICATE);
      }
      default -> {
        cluster.network.addRule(
            LinkRule.delay(
                from, to, kind, Duration.ZERO, Duration.ofMillis(5 + random.nextInt(60))));
        counters.add(Kind.DELAY_REORDER);
      }
    }
  }

  private void crash() {
    List<String> up = cluster.running().stream().filter(id -> !removed.contains(id)).toList();
    if (up.isEmpty()) {
      return;
    }
    crashNode(random.nextInt(3) == 0 ? cluster.leader().orElse(pick(up)) : pick(up));
  }

  private void crashNode(String victim) {
    int lost = cluster.crash(victim);
    crashed.add(victim);
    paused.remove(victim);
    counters.add(Kind.CRASH_RESTART);
    if (lost > 0) {
      counters.add(Kind.RESTART_LOST_WRITES);
    }
    maybeCutAtDamage(victim);
    cluster.clock.schedule(() -> restart(victim), 50 + random.nextInt(1500), TimeUnit.MILLISECONDS);
  }

  private void restart(String id) {
    if (crashed.remove(id) && !removed.contains(id)) {
      cluster.start(id, !joinedEmpty.contains(id));
    }
  }

  /**
   * Removes a voter (then wipes its disk) or adds a removed server back as a new, empty member:
   * membership changes under every other fault.
   */
  private void changeMembership() {
    Optional<String> leader = cluster.leader();
    if (leader.isEmpty() || changing) {
      return;
    }
    var node = cluster.nodes.get(leader.get()).node;
    Optional<RaftStatus> status = cluster.status(leader.get());
    if (status.isEmpty()) {
      return;
    }
    List<String> voters = status.get().members().stream().map(Member::id).toList();
    changing = true;
    List<String> readmittable = removed.stream().filter(id -> !lingering.contains(id)).toList();
    if (!readmittable.isEmpty() && (voters.size() <= 2 || random.nextBoolean())) {
      String id = pick(readmittable);
      if (!cluster.nodes.get(id).running()) {
        cluster.start(id, false); // empty disk, not bootstrapped: it must get the log first
        joinedEmpty.add(id);
      }
      counters.add(Kind.MEMBERSHIP_CHANGE);
      node.addServer(new Member(id, "sim:" + id))
          .subscribe(
              null,
              e -> {
                // It may be a member now (its promotion committed as the leader fell), or is
                // one (an earlier attempt of unknown outcome made it one): count it as one, so
                // that the final heal restarts it if it is down.
                if ((e instanceof RaftException re && re.outcomeUnknown())
                    || (e instanceof MembershipChangeException mce
                        && mce.reason() == MembershipChangeException.Reason.ALREADY_MEMBER)) {
                  removed.remove(id);
                }
                changing = false;
              },
              () -> {
                removed.remove(id);
                changing = false;
              });
    } else if (voters.size() > (cutsLogs ? 4 : 2)) {
      String id = pick(voters);
      counters.add(Kind.MEMBERSHIP_CHANGE);
      node.removeServer(id)
          .subscribe(
              null,
              e -> changing = false,
              () -> {
                changing = false;
                removed.add(id);
                crashed.remove(id);
                paused.remove(id);
                if (removedLinger && cluster.nodes.get(id).running()) {
                  counters.add(Kind.REMOVED_LINGERS);
                  lingering.add(id);
                  long millis =
                      SimCluster.ELECTION_TIMEOUT.toMillis() / 2
                          + lingerFaults.nextLong(3 * SimCluster.ELECTION_TIMEOUT.toMillis());
                  cluster.clock.schedule(
                      () -> {
                        if (lingering.contains(id)) {
                          wipe(id);
                        }
                      },
                      millis,
                      TimeUnit.MILLISECONDS);
                } else {
                  wipe(id);
                }
              });
    } else {
      changing = false;
    }
  }

  /** Stops a removed server for good: its disk is wiped, and it may later join afresh. */
  private void wipe(String id) {
    lingering.remove(id);
    cluster.crash(id);
    cluster.nodes.get(id).disk.wipe();
    cluster.nodes.get(id).snapshots = new InMemorySnapshotStore();
  }

  private void pause() {
    List<String> up = cluster.running().stream().filter(id -> !paused.contains(id)).toList();
    if (up.isEmpty()) {
      return;
    }
    String victim = random.nextBoolean() ? cluster.leader().orElse(pick(up)) : pick(up);
    cluster.pause(victim);
    paused.add(victim);
    counters.add(Kind.PAUSE);
    long millis = SimCluster.ELECTION_TIMEOUT.toMillis() * 2 + random.nextInt(1500);
    cluster.clock.schedule(() -> resume(victim), millis, TimeUnit.MILLISECONDS);
  }

  private void resume(String id) {
    if (paused.remove(id)) {
      cluster.resume(id);
    }
  }

  /**
   * Asks the leader to hand over to another voter (thesis 3.10), under whatever else is going on.
   */
  private void transferLeadership() {
    Optional<String> leader = cluster.leader();
    if (leader.isEmpty()) {
      return;
    }
    Optional<RaftStatus> status = cluster.status(leader.get());
    if (status.isEmpty()) {
      return;
    }
    List<String> others =
        status.get().members().stream()
            .map(Member::id)
            .filter(id -> !id.equals(leader.get()))
            .toList();
    if (others.isEmpty()) {
      return;
    }
    counters.add(Kind.TRANSFER);
    cluster.nodes.get(leader.get()).node.transferLeadership(pick(others)).subscribe(null, e -> {});
  }

  /** Lets one node back in while others stay cut off. */
  private void rejoinOne() {
    String id = pick(ids());
    cluster.network.rejoin(id);
    counters.add(Kind.PARTITION_HEALED);
  }

  private void heal() {
    if (partitioned) {
      counters.add(Kind.PARTITION_HEALED);
      partitioned = false;
    }
    cluster.network.heal();
    cluster.network.clearRules();
    cluster.network.addRule(cluster.baseLatency);
  }

  /** Ends every fault: heals the network, resumes and restarts every node. */
  void healAll() {
    active = false;
    cluster.nodes.values().forEach(n -> n.disk.failNextFlush = false);
    cluster.damagingSnapshotReads = false;
    heal();
    List.copyOf(lingering).forEach(this::wipe);
    List.copyOf(paused).forEach(this::resume);
    List.copyOf(crashed).forEach(this::restart);
  }

  private String pick(List<String> ids) {
    return ids.get(random.nextInt(ids.size()));
  }

  private void shuffle(List<String> ids) {
    for (int i = ids.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      String t = ids.get(i);
      ids.set(i, ids.get(j));
      ids.set(j, t);
    }
  }
}
