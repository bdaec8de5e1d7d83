package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.FollowerProgress;
import io.reactiveraft.Member;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.InstallSnapshotResponse;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.SnapshotMeta;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The leader's side of replication: what each follower is known to hold ({@link Progress}), and the
 * AppendEntries that probe for where its log matches, bring it the rest within a window of requests
 * in flight, or tell it the commit index. A follower that needs entries the log no longer holds
 * gets the snapshot instead ({@link SnapshotSender}).
 *
 * <p>Lives as long as the core and is cleared when a leadership begins or ends; the sequence
 * numbers of its requests, which answers echo, keep counting across terms.
 */
final class Replication {

  /** What replication reads of the leader it works for. */
  interface Leader {
    long term();

    long commitIndex();

    /** Logical time, in ticks. */
    long now();

    /** The monotonic clock, in nanos, recorded with each request for leases. */
    long clockNanos();

    /** The newest snapshot, for followers the log no longer serves; null when there is none. */
    SnapshotMeta snapshot();
  }

  private final String self;
  private final CoreConfig config;
  private final RaftLog log;
  private final Outbox outbox;
  private final LeadershipTransfer transfer;
  private final SnapshotSender snapshotSender;
  private final Leader leader;
  private final Map<String, Progress> progress = new LinkedHashMap<>();

  /** The sequence number of the last AppendEntries sent (echoed in answers). */
  private long requestSequence;

  Replication(
      CoreConfig config,
      RaftLog log,
      Outbox outbox,
      LeadershipTransfer transfer,
      SnapshotSender snapshotSender,
      Leader leader) {
    this.self = config.selfId();
    this.config = config;
    this.log = log;
    this.outbox = outbox;
    this.transfer = transfer;
    this.snapshotSender = snapshotSender;
    this.leader = leader;
  }

  // ---------------------------------------------------------------- followers

  /** Forgets every follower: a leadership began or ended. */
  void clear() {
    progress.clear();
  }

  /** Starts replicating to {@code peer}, optimistically from the end of the log. */
  private void track(String peer) {
    Progress pr = new Progress(log.lastIndex() + 1, config.maxInflightAppends());
    pr.lastHeardAt = leader.now();
    progress.put(peer, pr);
  }

  /**
   * Replicates to the other members of {@code configuration}, voters and learners: starts tracking
   * those not tracked yet, in the configuration's order, and forgets those it no longer holds.
   */
  void trackMembersOf(ClusterConfiguration configuration) {
    for (Member m : configuration.members()) {
      if (!m.id().equals(self) && !progress.containsKey(m.id())) {
        track(m.id());
      }
    }
    progress.keySet().removeIf(id -> !configuration.contains(id));
  }

  /** The progress of {@code peer}, or null when it is not replicated to. */
  Progress progressOf(String peer) {
    return progress.get(peer);
  }

  /** The sequence number of the last request sent. */
  long lastSequence() {
    return requestSequence;
  }

  /**
   * The value a majority of {@code configuration}'s voters has reached ({@link Quorum#reached}):
   * this node's is {@code selfValue}, a follower's comes from its progress, or is {@code absent}
   * when it is not replicated to.
   */
  long reachedByMajority(
      ClusterConfiguration configuration,
      long selfValue,
      ToLongFunction<Progress> value,
      long absent) {
    return Quorum.reached(
        configuration,
        self,
        selfValue,
        id -> {
          Progress pr = progress.get(id);
          return pr == null ? absent : value.applyAsLong(pr);
        });
  }

  /** The follower answers its caller once it learns {@code index} is committed: tell it at once. */
  void wantsCommit(String follower, long index) {
    Progress pr = progress.get(follower);
    if (pr != null) {
      pr.commitWanted = Math.max(pr.commitWanted, index);
    }
  }

  // ---------------------------------------------------------------- sending

  /** Once per batch: sends each follower what its window allows. */
  void replicateToAll() {
    for (Map.Entry<String, Progress> e : progress.entrySet()) {
      replicate(e.getKey(), e.getValue());
    }
  }

  private void replicate(String peer, Progress pr) {
    if (transfer.handedOverTo(peer)) {
      return; // see LeadershipTransfer#handedOverTo
    }
    if (pr.state == Progress.State.SNAPSHOT) {
      return; // chunks go one at a time, paced by the follower's answers
    }
    if (pr.nextIndex < log.firstIndex()) {
      startSnapshot(peer, pr); // the entries it needs are compacted
      return;
    }
    boolean sent = false;
    if (pr.state == Progress.State.PROBE) {
      if (!pr.probeSent) {
        sendAppend(peer, pr);
        sent = true;
      }
    } else {
      while (!pr.windowFull() && pr.nextIndex <= log.lastIndex()) {
        sendAppend(peer, pr);
        sent = true;
      }
    }
    if (!sent
        && pr.state == Progress.State.REPLICATE
        && pr.commitSent < Math.min(adoptableCommit(pr), pr.commitWanted)) {
      sendHeartbeat(peer, pr); // the follower's caller waits on this commit
    }
  }

  /** {@code peer} needs entries the log no longer holds, so it gets the snapshot. */
  private void startSnapshot(String peer, Progress pr) {
    SnapshotMeta snapshot = leader.snapshot();
    if (snapshot == null) {
      throw new IllegalStateException("the log starts at " + log.firstIndex() + " without one");
    }
    snapshotSender.start(peer, pr, snapshot, leader.term(), leader.now());
  }

  private void sendAppend(String peer, Progress pr) {
    long prev = pr.nextIndex - 1;
    List<LogEntry> batch =
        log.slice(pr.nextIndex, config.maxEntriesPerAppend(), config.maxAppendBytes());
    long sequence = ++requestSequence;
    long commitIndex = leader.commitIndex();
    outbox.send(
        new AppendEntriesRequest(
            self, peer, leader.term(), prev, log.term(prev), batch, commitIndex, sequence));
    pr.recordSend(sequence, leader.clockNanos());
    pr.commitSent = Math.min(commitIndex, prev + batch.size());
    pr.sent(prev + batch.size(), leader.now());
  }

  /**
   * The heartbeat timeout: resends a snapshot chunk that went unanswered, re-probes a follower
   * whose window is stuck, allows another probe, and sends every follower a heartbeat.
   */
  void heartbeatAll() {
    long now = leader.now();
    long stallDeadline = now - 2L * config.heartbeatTicks();
    for (Map.Entry<String, Progress> e : progress.entrySet()) {
      Progress pr = e.getValue();
      if (pr.state == Progress.State.SNAPSHOT && pr.snapshotSentAt < stallDeadline) {
        snapshotSender.resend(e.getKey(), pr, leader.snapshot(), leader.term(), now);
      } else if (pr.stalledSince(stallDeadline)
          && !InjectedDefects.on(InjectedDefects.Defect.NO_REPROBE_OF_A_STALLED_WINDOW)) {
        // The window is stuck on a lost request or answer; re-probe from what is known.
        pr.probeFrom(pr.matchIndex + 1);
      } else if (pr.state == Progress.State.PROBE) {
        pr.probeSent = false; // the probe or its answer may be lost: allow another
      }
      sendHeartbeat(e.getKey(), pr);
    }
  }

  /** A heartbeat to every follower, whose answers confirm this node still leads (reads). */
  void confirmLeadership() {
    progress.forEach(this::sendHeartbeat);
  }

  /**
   * Tells idle followers the commit index, at most a tick after it moved. A commit is not announced
   * the moment it happens: under load the next AppendEntries carries it anyway, and at one request
   * in flight an announcement per commit doubled the messages, which on a small machine cost a
   * quarter of each request's latency. A follower whose own caller waits on a commit is told at
   * once ({@link Progress#commitWanted}).
   */
  void announceCommit() {
    for (Map.Entry<String, Progress> e : progress.entrySet()) {
      Progress pr = e.getValue();
      if (pr.state == Progress.State.REPLICATE && pr.commitSent < adoptableCommit(pr)) {
        sendHeartbeat(e.getKey(), pr);
      }
    }
  }

  /**
   * A heartbeat checks at the follower's known match index, so it always passes the consistency
   * check and is never held back by the window.
   */
  private void sendHeartbeat(String peer, Progress pr) {
    if (transfer.handedOverTo(peer)) {
      return;
    }
    long prev = Math.max(pr.matchIndex, log.firstIndex() - 1); // below it, terms are compacted
    long sequence = ++requestSequence;
    long commitIndex = leader.commitIndex();
    outbox.send(
        new AppendEntriesRequest(
            self, peer, leader.term(), prev, log.term(prev), List.of(), commitIndex, sequence));
    pr.recordSend(sequence, leader.clockNanos());
    pr.commitSent = Math.min(commitIndex, prev);
  }

  /**
   * The commit index a follower can take from this leader now: no further than what it is known to
   * hold, since it commits only entries known to match (paper Figure 2).
   */
  private long adoptableCommit(Progress pr) {
    return Math.min(leader.commitIndex(), pr.matchIndex);
  }

  // ---------------------------------------------------------------- answers

  /** A follower answered an AppendEntries; true when its match index moved (commit may follow). */
  boolean onAnswer(AppendEntriesResponse m) {
    Progress pr = progress.get(m.from());
    if (pr == null) {
      return false;
    }
    pr.lastHeardAt = leader.now();
    if (m.sequence() <= requestSequence) {
      pr.answered(m.sequence()); // a higher one cannot answer a request of this leader's
    }
    if (pr.state == Progress.State.SNAPSHOT) {
      return false; // a heartbeat's answer: it confirms leadership, but the snapshot comes first
    }
    if (m.success()) {
      return pr.acknowledge(m.matchIndex(), requestSequence);
    }
    if (m.conflictTerm() == 0
        && m.sequence() > 0
        && pr.lostDataSince(m.sequence(), m.conflictIndex())) {
      return false; // newer than its acknowledgements, yet shorter: it lost its log; start over
    }
    // The request that failed checked at m.matchIndex(); answers to older requests are stale.
    boolean stale =
        pr.state == Progress.State.PROBE
            ? m.matchIndex() != pr.nextIndex - 1
            : m.matchIndex() <= pr.matchIndex;
    if (stale) {
      return false;
    }
    long next = m.conflictIndex();
    if (m.conflictTerm() > 0) {
      long ours = log.lastIndexOfTerm(m.conflictTerm(), m.matchIndex());
      if (ours > 0) {
        next = ours + 1;
      }
    }
    pr.probeFrom(Math.max(1, Math.min(next, log.lastIndex() + 1)));
    return false;
  }

  /**
   * A follower answered a snapshot chunk; true when it installed the snapshot (commit may follow,
   * then {@link #resume}).
   */
  boolean onSnapshotAnswer(InstallSnapshotResponse m) {
    Progress pr = progress.get(m.from());
    if (pr == null) {
      return false;
    }
    pr.lastHeardAt = leader.now();
    return snapshotSender.onAnswer(m, pr, leader.term(), leader.now());
  }

  /**
   * Sends {@code peer} what its window allows now, rather than at the end of the batch; nothing
   * when it is not replicated to.
   */
  void resume(String peer) {
    Progress pr = progress.get(peer);
    if (pr != null) {
      replicate(peer, pr);
    }
  }

  // ---------------------------------------------------------------- queries

  /** Inflight AppendEntries to {@code peer}; 0 when it is not replicated to. */
  int inflightAppends(String peer) {
    Progress pr = progress.get(peer);
    return pr == null ? 0 : pr.inflightCount();
  }

  /** Each follower's progress, for the node's status. */
  Map<String, FollowerProgress> status() {
    Map<String, FollowerProgress> followers = new LinkedHashMap<>();
    progress.forEach(
        (id, pr) ->
            followers.put(
                id, new FollowerProgress(pr.nextIndex, pr.matchIndex, pr.inflightCount())));
    return followers;
  }
}
