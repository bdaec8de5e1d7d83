package io.reactiveraft.core;

import io.reactiveraft.FollowerProgress;
import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.Role;
import io.reactiveraft.core.InjectedDefects.Defect;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.spi.HardState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The Raft protocol as a pure state machine: events in, actions out. No IO, no clock, no threads;
 * time is a count of {@link RaftEvent.Tick}s.
 *
 * <p>Use: {@link #handle} each event of a batch, then {@link #flush} once to collect the batch's
 * actions. Replication messages are built at flush time, so a batch of many proposals leaves as one
 * AppendEntries per follower.
 *
 * <p>Not thread-safe: one event loop owns it.
 */
public final class RaftCore {

  private final CoreConfig config;
  private final String self;
  private final List<String> peers;
  private final RaftLog log;
  private final RandomGenerator random;

  private long term;
  private String votedFor;
  private Role role = Role.FOLLOWER;
  private String leaderId;
  private long commitIndex;

  /** Highest index handed to the state machine. */
  private long appliedUpTo;

  /** Highest index this node's store has made durable (ABA-checked against the log). */
  private long durableIndex;

  /** Logical time, in ticks. */
  private long now;

  private long electionElapsed;
  private long heartbeatElapsed;
  private long randomizedElectionTimeout;

  private VoteTally tally;
  private final Map<String, Progress> progress = new LinkedHashMap<>();

  /** Follower: the highest index accepted from the leader whose ack waits for durability. */
  private long pendingAckIndex;

  private String pendingAckTo;

  // The batch under way.
  private boolean hardStateDirty;
  private final List<Action> logWrites = new ArrayList<>();
  private final List<LogEntry> unflushedAppends = new ArrayList<>();
  private final List<Action> messages = new ArrayList<>();
  private final List<Action> results = new ArrayList<>();
  private boolean commitAdvanced;

  /**
   * @param config protocol settings
   * @param hardState the stored term and vote
   * @param log the stored log, all of it treated as durable
   * @param random the source of election timeout jitter
   */
  public RaftCore(CoreConfig config, HardState hardState, RaftLog log, RandomGenerator random) {
    this.config = Objects.requireNonNull(config, "config");
    this.self = config.selfId();
    this.peers = config.voters().stream().filter(id -> !id.equals(self)).toList();
    this.log = Objects.requireNonNull(log, "log");
    this.random = Objects.requireNonNull(random, "random");
    this.term = hardState.currentTerm();
    this.votedFor = hardState.votedFor();
    this.durableIndex = log.lastIndex();
    this.commitIndex = log.firstIndex() - 1;
    this.appliedUpTo = commitIndex;
    resetElectionTimer();
  }

  // ---------------------------------------------------------------- events

  /** Feeds one event of the current batch. */
  public void handle(RaftEvent event) {
    if (event instanceof RaftEvent.Tick) {
      tick();
    } else if (event instanceof RaftEvent.MessageReceived received) {
      receive(received.message());
    } else if (event instanceof RaftEvent.CommandProposed proposed) {
      propose(proposed.requestId(), EntryType.COMMAND, proposed.payload());
    } else if (event instanceof RaftEvent.LogDurable durable) {
      logDurable(durable.index(), durable.term());
    }
  }

  /** Ends the batch: returns its actions in the order they must be performed. */
  public List<Action> flush() {
    if (role == Role.LEADER) {
      replicateToAll();
    }
    List<Action> out = new ArrayList<>();
    if (hardStateDirty && !InjectedDefects.on(Defect.FORGET_TERM_AND_VOTE)) {
      out.add(new Action.PersistHardState(new HardState(term, votedFor)));
      hardStateDirty = false;
    }
    sealAppends();
    out.addAll(logWrites);
    logWrites.clear();
    out.addAll(messages);
    messages.clear();
    // Proposal results before applies, so a caller is registered before its entry can apply.
    List<Action> leaderChanges = new ArrayList<>();
    for (Action a : results) {
      (a instanceof Action.LeaderChanged ? leaderChanges : out).add(a);
    }
    results.clear();
    if (commitIndex > appliedUpTo) {
      out.add(new Action.ApplyEntries(log.range(appliedUpTo + 1, commitIndex)));
      appliedUpTo = commitIndex;
    }
    out.addAll(leaderChanges);
    commitAdvanced = false;
    return out;
  }

  private void tick() {
    now++;
    electionElapsed++;
    if (role == Role.LEADER) {
      tickLeader();
    } else if (electionElapsed >= randomizedElectionTimeout) {
      campaign();
    }
  }

  private void tickLeader() {
    heartbeatElapsed++;
    if (heartbeatElapsed >= config.heartbeatTicks()) {
      heartbeatElapsed = 0;
      heartbeatAll();
    }
    if (config.checkQuorum() && !quorumHeardWithin(config.electionTicks())) {
      becomeFollower(term, null, "lost contact with a majority (check-quorum)");
    }
  }

  /**
   * Whether a majority (this node included) was heard from in the last {@code ticks}: checked every
   * tick, so an isolated leader steps down one election timeout after its last contact (thesis
   * 6.2), before followers elect another.
   */
  private boolean quorumHeardWithin(long ticks) {
    int heard = 1;
    for (Progress pr : progress.values()) {
      if (now - pr.lastHeardAt < ticks) {
        heard++;
      }
    }
    return heard >= config.quorum();
  }

  // ---------------------------------------------------------------- elections

  private void campaign() {
    if (config.preVote()) {
      becomePreCandidate();
    } else {
      becomeCandidate();
    }
  }

  private void becomePreCandidate() {
    role = Role.PRE_CANDIDATE;
    setLeader(null, "election timeout");
    resetElectionTimer();
    tally = new VoteTally(config.quorum(), config.voters().size());
    // Probe with the term we would campaign in, without moving to it (thesis 9.6).
    requestVotes(term + 1, true);
    if (tally.record(self, true) == VoteTally.Result.WON) {
      becomeCandidate();
    }
  }

  private void becomeCandidate() {
    role = Role.CANDIDATE;
    setTerm(term + 1);
    votedFor = self;
    hardStateDirty = true;
    setLeader(null, "election timeout");
    resetElectionTimer();
    tally = new VoteTally(config.quorum(), config.voters().size());
    requestVotes(term, false);
    if (tally.record(self, true) == VoteTally.Result.WON) {
      becomeLeader();
    }
  }

  private void requestVotes(long electionTerm, boolean preVote) {
    for (String peer : peers) {
      send(new VoteRequest(self, peer, electionTerm, log.lastIndex(), log.lastTerm(), preVote));
    }
  }

  private void becomeLeader() {
    role = Role.LEADER;
    tally = null;
    heartbeatElapsed = 0;
    electionElapsed = 0;
    progress.clear();
    for (String peer : peers) {
      Progress pr = new Progress(log.lastIndex() + 1, config.maxInflightAppends());
      pr.lastHeardAt = now;
      progress.put(peer, pr);
    }
    setLeader(self, "won election in term " + term);
    // A leader commits entries of earlier terms only through one of its own (paper 5.4.2), so
    // it appends a no-op at once rather than waiting for a client (thesis 6.4).
    appendLocal(LogEntry.noop(log.lastIndex() + 1, term));
  }

  private void becomeFollower(long newTerm, String leader, String cause) {
    if (newTerm > term) {
      setTerm(newTerm);
    }
    role = Role.FOLLOWER;
    tally = null;
    progress.clear();
    resetElectionTimer();
    setLeader(leader, cause);
  }

  private void setTerm(long newTerm) {
    term = newTerm;
    votedFor = null;
    hardStateDirty = true;
    // An ack owed to the old term's leader must not be sent to anyone.
    pendingAckIndex = 0;
    pendingAckTo = null;
  }

  private void resetElectionTimer() {
    electionElapsed = 0;
    randomizedElectionTimeout = config.electionTicks() + random.nextInt(config.electionTicks());
  }

  private void setLeader(String newLeader, String cause) {
    String old = leaderId;
    if (Objects.equals(old, newLeader)) {
      return;
    }
    leaderId = newLeader;
    LeaderChange.Kind kind;
    if (self.equals(newLeader)) {
      kind = LeaderChange.Kind.BECAME_LEADER;
    } else if (self.equals(old)) {
      kind = LeaderChange.Kind.STEPPED_DOWN;
    } else if (newLeader != null) {
      kind = LeaderChange.Kind.LEADER_DISCOVERED;
    } else {
      kind = LeaderChange.Kind.LEADER_LOST;
    }
    results.add(
        new Action.LeaderChanged(new LeaderChange(kind, term, old, newLeader, cause), commitIndex));
  }

  // ---------------------------------------------------------------- messages

  private void receive(RaftMessage m) {
    if (!self.equals(m.to()) || !config.voters().contains(m.from())) {
      return; // misrouted, or from a stranger: not ours to answer
    }
    if (m.term() > term) {
      if (m instanceof VoteRequest && inLease()) {
        // A node that hears a leader ignores candidates and pre-candidates: a partitioned or
        // removed server cannot depose a healthy leader (thesis 4.2.3).
        return;
      }
      boolean prevoteTraffic =
          (m instanceof VoteRequest vr && vr.preVote())
              || (m instanceof VoteResponse r && r.preVote() && r.granted());
      if (!prevoteTraffic) {
        String leader = m instanceof AppendEntriesRequest ? m.from() : null;
        becomeFollower(m.term(), leader, "saw term " + m.term() + " from " + m.from());
      }
    } else if (m.term() < term) {
      answerStale(m);
      return;
    }
    if (m instanceof AppendEntriesRequest request) {
      onAppendEntries(request);
    } else if (m instanceof AppendEntriesResponse response) {
      onAppendEntriesResponse(response);
    } else if (m instanceof VoteRequest request) {
      onVoteRequest(request);
    } else if (m instanceof VoteResponse response) {
      onVoteResponse(response);
    }
  }

  private boolean inLease() {
    return config.checkQuorum()
        && leaderId != null
        && (role == Role.LEADER || electionElapsed < config.electionTicks());
  }

  private void answerStale(RaftMessage m) {
    // A stale leader learns our term and steps down; without pre-vote it would learn it
    // from our vote requests, but with it we may never send one.
    if (m instanceof AppendEntriesRequest r) {
      send(new AppendEntriesResponse(self, r.from(), term, false, r.prevLogIndex(), 0, 0));
    } else if (m instanceof VoteRequest r && r.preVote()) {
      send(new VoteResponse(self, r.from(), term, false, true));
    }
  }

  private void onVoteRequest(VoteRequest m) {
    // A vote already given is repeated; a new one needs no vote and no known leader in this
    // term; a pre-vote for a later term binds nothing, so only the log check applies.
    boolean free =
        m.from().equals(votedFor)
            || (votedFor == null && leaderId == null)
            || (m.preVote() && m.term() > term);
    boolean grant = free && log.isUpToDate(m.lastLogIndex(), m.lastLogTerm());
    if (grant && !m.preVote()) {
      votedFor = m.from();
      hardStateDirty = true;
      resetElectionTimer();
    }
    send(
        new VoteResponse(
            self, m.from(), grant && m.preVote() ? m.term() : term, grant, m.preVote()));
  }

  private void onVoteResponse(VoteResponse m) {
    boolean current =
        (role == Role.PRE_CANDIDATE && m.preVote()) || (role == Role.CANDIDATE && !m.preVote());
    if (!current || tally == null) {
      return;
    }
    switch (tally.record(m.from(), m.granted())) {
      case WON -> {
        if (role == Role.PRE_CANDIDATE) {
          becomeCandidate();
        } else {
          becomeLeader();
        }
      }
      case LOST -> becomeFollower(term, null, "lost election");
      case PENDING -> {}
    }
  }

  private void onAppendEntries(AppendEntriesRequest m) {
    if (role != Role.FOLLOWER) {
      becomeFollower(term, m.from(), "leader " + m.from() + " of term " + term + " found");
    }
    electionElapsed = 0;
    setLeader(m.from(), "heard from leader of term " + term);
    long prev = m.prevLogIndex();
    if (prev > log.lastIndex()) {
      reject(m, 0, log.lastIndex() + 1);
      return;
    }
    if (prev >= log.firstIndex() - 1 && !log.matches(prev, m.prevLogTerm())) {
      long conflictTerm = log.term(prev);
      reject(m, conflictTerm, log.firstIndexOfTerm(conflictTerm, prev));
      return;
    }
    for (LogEntry e : m.entries()) {
      if (e.index() < log.firstIndex() || log.matches(e.index(), e.term())) {
        continue; // already held: a stale or duplicate request must not truncate anything
      }
      if (e.index() <= log.lastIndex()) {
        if (e.index() <= commitIndex) {
          throw new IllegalStateException(
              "leader " + m.from() + " would overwrite committed entry " + e.index());
        }
        truncateLocal(e.index());
      }
      appendLocal(e);
    }
    long lastNew = m.lastIndex();
    if (InjectedDefects.on(Defect.TRUNCATE_AFTER_MATCHING_APPEND)
        && !m.entries().isEmpty()
        && lastNew < log.lastIndex()) {
      truncateLocal(lastNew + 1);
    }
    // Only entries known to match the leader can be committed here (paper Figure 2, rule 5).
    advanceCommit(Math.min(m.leaderCommit(), lastNew));
    acknowledge(m.from(), lastNew);
  }

  private void reject(AppendEntriesRequest m, long conflictTerm, long conflictIndex) {
    send(
        new AppendEntriesResponse(
            self, m.from(), term, false, m.prevLogIndex(), conflictTerm, conflictIndex));
  }

  /** A follower acks only what is durable (thesis 10.2.1); the rest waits for LogDurable. */
  private void acknowledge(String leader, long index) {
    if (durableIndex >= index || InjectedDefects.on(Defect.ACK_BEFORE_DURABLE)) {
      send(new AppendEntriesResponse(self, leader, term, true, index, 0, 0));
    } else {
      pendingAckIndex = Math.max(pendingAckIndex, index);
      pendingAckTo = leader;
    }
  }

  private void logDurable(long index, long entryTerm) {
    boolean stale =
        !log.matches(index, entryTerm) && !InjectedDefects.on(Defect.ACCEPT_STALE_DURABILITY_ACK);
    if (stale || index <= durableIndex) {
      return; // stale: that entry was truncated and perhaps rewritten in another term (ABA)
    }
    durableIndex = Math.min(index, log.lastIndex());
    if (role == Role.LEADER) {
      tryAdvanceCommitIndex();
    } else if (pendingAckTo != null) {
      long acked = Math.min(pendingAckIndex, durableIndex);
      send(new AppendEntriesResponse(self, pendingAckTo, term, true, acked, 0, 0));
      if (acked >= pendingAckIndex) {
        pendingAckIndex = 0;
        pendingAckTo = null;
      }
    }
  }

  private void onAppendEntriesResponse(AppendEntriesResponse m) {
    Progress pr = progress.get(m.from());
    if (role != Role.LEADER || pr == null) {
      return;
    }
    pr.lastHeardAt = now;
    if (m.success()) {
      if (pr.acknowledge(m.matchIndex())) {
        tryAdvanceCommitIndex();
      }
      return;
    }
    // The request that failed checked at m.matchIndex(); answers to older requests are stale.
    boolean stale =
        pr.state == Progress.State.PROBE
            ? m.matchIndex() != pr.nextIndex - 1
            : m.matchIndex() <= pr.matchIndex;
    if (stale) {
      return;
    }
    long next = m.conflictIndex();
    if (m.conflictTerm() > 0) {
      long ours = log.lastIndexOfTerm(m.conflictTerm(), m.matchIndex());
      if (ours > 0) {
        next = ours + 1;
      }
    }
    pr.probeFrom(Math.max(1, Math.min(next, log.lastIndex() + 1)));
  }

  // ---------------------------------------------------------------- log and commit

  private void propose(long requestId, EntryType type, byte[] payload) {
    if (role != Role.LEADER) {
      results.add(new Action.ProposalRejected(requestId, leaderId));
      return;
    }
    LogEntry entry = new LogEntry(log.lastIndex() + 1, term, type, payload);
    appendLocal(entry);
    results.add(new Action.ProposalAccepted(requestId, entry.index(), entry.term()));
  }

  private void appendLocal(LogEntry entry) {
    log.append(entry);
    unflushedAppends.add(entry);
  }

  private void truncateLocal(long fromIndex) {
    sealAppends();
    log.truncateFrom(fromIndex);
    logWrites.add(new Action.TruncateLog(fromIndex));
    durableIndex = Math.min(durableIndex, fromIndex - 1);
  }

  private void sealAppends() {
    if (!unflushedAppends.isEmpty()) {
      logWrites.add(new Action.AppendLog(List.copyOf(unflushedAppends)));
      unflushedAppends.clear();
    }
  }

  private void advanceCommit(long index) {
    if (index > commitIndex) {
      commitIndex = index;
      commitAdvanced = true;
    }
  }

  /**
   * The leader commits the highest index stored durably on a majority, but only if it belongs to
   * the current term: an older entry on a majority can still be overwritten (paper Figure 8), and
   * becomes committed only under an entry of this term.
   */
  private void tryAdvanceCommitIndex() {
    long[] matched = new long[config.voters().size()];
    int i = 0;
    matched[i++] = durableIndex;
    for (Progress pr : progress.values()) {
      matched[i++] = pr.matchIndex;
    }
    Arrays.sort(matched);
    long majorityIndex = matched[matched.length - config.quorum()];
    boolean ofThisTerm =
        log.term(majorityIndex) == term || InjectedDefects.on(Defect.COMMIT_BY_COUNTING);
    if (majorityIndex > commitIndex && ofThisTerm) {
      advanceCommit(majorityIndex);
    }
  }

  // ---------------------------------------------------------------- replication

  private void replicateToAll() {
    for (Map.Entry<String, Progress> e : progress.entrySet()) {
      replicate(e.getKey(), e.getValue());
    }
  }

  private void replicate(String peer, Progress pr) {
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
    if (!sent && commitAdvanced && pr.state == Progress.State.REPLICATE) {
      sendHeartbeat(peer, pr); // carries the new commit index to an idle follower
    }
  }

  private void sendAppend(String peer, Progress pr) {
    long prev = pr.nextIndex - 1;
    List<LogEntry> batch =
        log.slice(pr.nextIndex, config.maxEntriesPerAppend(), config.maxAppendBytes());
    send(new AppendEntriesRequest(self, peer, term, prev, log.term(prev), batch, commitIndex));
    pr.sent(prev + batch.size(), now);
  }

  private void heartbeatAll() {
    long stallDeadline = now - 2L * config.heartbeatTicks();
    for (Map.Entry<String, Progress> e : progress.entrySet()) {
      Progress pr = e.getValue();
      if (pr.stalledSince(stallDeadline)) {
        // The window is stuck on a lost request or answer; re-probe from what is known.
        pr.probeFrom(pr.matchIndex + 1);
      } else if (pr.state == Progress.State.PROBE) {
        pr.probeSent = false; // the probe or its answer may be lost: allow another
      }
      sendHeartbeat(e.getKey(), pr);
    }
  }

  /**
   * A heartbeat checks at the follower's known match index, so it always passes the consistency
   * check and is never held back by the window.
   */
  private void sendHeartbeat(String peer, Progress pr) {
    long prev = pr.matchIndex;
    send(new AppendEntriesRequest(self, peer, term, prev, log.term(prev), List.of(), commitIndex));
  }

  private void send(RaftMessage m) {
    messages.add(new Action.Send(m));
  }

  // ---------------------------------------------------------------- queries

  public Role role() {
    return role;
  }

  public long term() {
    return term;
  }

  public String leaderId() {
    return leaderId;
  }

  public long commitIndex() {
    return commitIndex;
  }

  public RaftLog log() {
    return log;
  }

  /** Inflight AppendEntries to {@code peer}; 0 when not leader. */
  public int inflightAppends(String peer) {
    Progress pr = progress.get(peer);
    return pr == null ? 0 : pr.inflightCount();
  }

  /** A status view; the caller supplies what the core does not track. */
  public RaftStatus status(List<Member> members, long lastApplied) {
    Map<String, FollowerProgress> followers = new LinkedHashMap<>();
    progress.forEach(
        (id, pr) ->
            followers.put(
                id, new FollowerProgress(pr.nextIndex, pr.matchIndex, pr.inflightCount())));
    return new RaftStatus(
        self,
        role,
        term,
        leaderId,
        votedFor,
        commitIndex,
        lastApplied,
        log.lastIndex(),
        log.lastTerm(),
        members,
        followers);
  }
}
