package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.LeaderChange;
import io.reactiveraft.LeadershipLostException;
import io.reactiveraft.Member;
import io.reactiveraft.MembershipChange;
import io.reactiveraft.MembershipChangeException;
import io.reactiveraft.MembershipChangeException.Reason;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.OutcomeUnknownException;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.Role;
import io.reactiveraft.core.InjectedDefects.Defect;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.ForwardedCommand;
import io.reactiveraft.message.ForwardedCommandResponse;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.InstallSnapshotResponse;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.ReadIndexRequest;
import io.reactiveraft.message.ReadIndexResponse;
import io.reactiveraft.message.TimeoutNow;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LostEntries;
import io.reactiveraft.spi.SnapshotMeta;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;
import java.util.random.RandomGenerator;

/**
 * The Raft protocol as a pure state machine: events in, actions out. No IO, no clock, no threads;
 * time is a count of {@link RaftEvent.Tick}s.
 *
 * <p>Use: {@link #handle} each event of a batch, then {@link #flush} once to collect the batch's
 * actions. Replication messages are built at flush time, so a batch of many proposals leaves as one
 * AppendEntries per follower. Before each flush, pass the monotonic clock ({@link #observeClock})
 * and how far the state machine has applied ({@link #observeApplied}): the core hands out at most
 * two windows of committed entries beyond the applied index, so a driver that never reports it
 * receives no entries past that, and {@link #applyHeldBack} says when it is holding some back.
 *
 * <p>Not thread-safe: one event loop owns it.
 */
public final class RaftCore {

  private final CoreConfig config;
  private final String self;
  private final Membership membership;
  private final RaftLog log;
  private final RandomGenerator random;

  private long term;
  private String votedFor;
  private Role role = Role.FOLLOWER;
  private String leaderId;
  private long commitIndex;

  /** The newest snapshot this node holds, which its log continues; null when it has none. */
  private SnapshotMeta snapshot;

  /** Follower: the snapshot a leader is sending, chunk by chunk. */
  private final SnapshotReceiver receiver = new SnapshotReceiver();

  /** Highest index handed to the state machine. */
  private long appliedUpTo;

  /**
   * Highest index the node reports applied ({@link #observeApplied}). Entries handed out and not
   * yet applied wait in the apply queue, on the heap, after the log has let go of them: their count
   * is bounded, so a state machine slower than the cluster's commits costs time, not memory.
   */
  private long appliedSeen;

  /** Highest index this node's store has made durable (ABA-checked against the log). */
  private long durableIndex;

  /**
   * How many times this node truncated its log's suffix since it started: appends carry it, and
   * their durability acknowledgements count only in the epoch they were made in.
   */
  private long logEpoch;

  /**
   * Entries this node acknowledged once and lost since (its log was cut at damage). Until it holds
   * them again it neither votes nor campaigns: with its shorter log it could otherwise help elect a
   * server that lacks entries it helped commit.
   */
  private final LostEntries lost;

  /**
   * An empty node that was not bootstrapped: it neither votes nor campaigns until a leader has
   * brought it log entries (a wiped voter must not forget a vote it gave).
   */
  private boolean awaitingLog;

  /** The monotonic clock, in nanos, as last told by the driver (leases only). */
  private long clockNanos;

  /** With leases on: until this tick a (re)started node ignores candidates (see below). */
  private final long quietUntil;

  /** Logical time, in ticks. */
  private long now;

  private long electionElapsed;

  /**
   * When this node last heard a leader (AppendEntries or a snapshot chunk), in ticks. Kept apart
   * from {@link #leaderId}, which a message of a later term clears: the promise a voter's
   * acknowledgement made to the leader's lease (no vote for anyone else for an election timeout)
   * outlives that.
   */
  private long leaderHeardAt = Long.MIN_VALUE / 2;

  private long heartbeatElapsed;
  private long randomizedElectionTimeout;

  private VoteTally tally;

  /** Pre-candidate: whether the leader asked for this campaign (TimeoutNow). */
  private boolean campaignForTransfer;

  /** Leader: each follower's progress, and the requests that bring it the log. */
  private final Replication replication;

  /** Leader: membership changes in flight. */
  private final MembershipChanges changes;

  /** Follower: commands forwarded to the leader and reads asked of it, waiting for answers. */
  private final AskedOfLeader askedOfLeader;

  /** Leader: where this term's forwarded commands went, for copies the transport delivers. */
  private final ForwardedHere forwardedHere = new ForwardedHere();

  /** Leader: reads in progress. */
  private final ReadIndex reads = new ReadIndex();

  /** Leader: a leadership transfer; proposals are refused while one is under way. */
  private final LeadershipTransfer transfer;

  /** Follower: the acknowledgement that waits for the store to make entries durable. */
  private final OwedAck owedAck = new OwedAck();

  // The batch under way.
  private boolean hardStateDirty;
  private final Outbox outbox = new Outbox();

  /**
   * @param config protocol settings
   * @param hardState the stored term and vote
   * @param log the stored log, all of it treated as durable
   * @param random the source of election timeout jitter
   */
  public RaftCore(CoreConfig config, HardState hardState, RaftLog log, RandomGenerator random) {
    this(config, hardState, null, log, random);
  }

  /**
   * @param config protocol settings
   * @param hardState the stored term and vote
   * @param snapshot the snapshot the state machine was restored from, or null; the log must
   *     continue right after it
   * @param log the stored log, all of it treated as durable
   * @param random the source of election timeout jitter
   */
  public RaftCore(
      CoreConfig config,
      HardState hardState,
      SnapshotMeta snapshot,
      RaftLog log,
      RandomGenerator random) {
    this(config, hardState, snapshot, log, LostEntries.NONE, 0, random);
  }

  /**
   * @param config protocol settings
   * @param hardState the stored term and vote
   * @param snapshot the snapshot the state machine was restored from, or null; the log must
   *     continue right after it
   * @param log the stored log, all of it treated as durable
   * @param lost what the store lost of what it once acknowledged ({@link
   *     io.reactiveraft.spi.LogStore#lostEntries}): until it holds those entries again, this node
   *     neither votes nor campaigns
   * @param knownCommitted an index the store recorded as committed ({@link
   *     io.reactiveraft.spi.LogStore#commitIndex}), 0 for none: the entries up to it (as far as the
   *     log reaches) are committed from the start, and the first batches hand them to the applier
   * @param random the source of election timeout jitter
   */
  public RaftCore(
      CoreConfig config,
      HardState hardState,
      SnapshotMeta snapshot,
      RaftLog log,
      LostEntries lost,
      long knownCommitted,
      RandomGenerator random) {
    this.lost = Objects.requireNonNull(lost, "lost");
    this.config = Objects.requireNonNull(config, "config");
    this.self = config.selfId();
    this.log = Objects.requireNonNull(log, "log");
    if (snapshot != null && log.firstIndex() != snapshot.index() + 1) {
      throw new IllegalArgumentException(
          "the log " + log + " does not continue the snapshot at " + snapshot.index());
    }
    this.snapshot = snapshot;
    this.membership =
        snapshot == null
            ? new Membership(config.initialConfiguration(), 0, log)
            : new Membership(snapshot.configuration(), snapshot.index(), log);
    this.random = Objects.requireNonNull(random, "random");
    this.term = hardState.currentTerm();
    this.votedFor = hardState.votedFor();
    this.durableIndex = log.lastIndex();
    this.appliedUpTo = log.firstIndex() - 1;
    this.appliedSeen = appliedUpTo;
    this.commitIndex = Math.max(appliedUpTo, Math.min(knownCommitted, log.lastIndex()));
    // With leases, a leader counts on voters not electing anyone else for an election timeout
    // after they last heard it. A node that restarts has forgotten when that was, so it stays
    // quiet for one election timeout, as if it had just heard a leader.
    this.quietUntil =
        config.leaseNanos() > 0 && !InjectedDefects.on(Defect.NO_QUIET_AFTER_RESTART)
            ? config.electionTicks()
            : 0;
    this.awaitingLog = !config.bootstrap() && log.lastIndex() == 0 && hardState.currentTerm() == 0;
    this.changes =
        new MembershipChanges(new ChangingLeader(), config.electionTicks(), config.catchUpRounds());
    this.transfer = new LeadershipTransfer(outbox);
    this.askedOfLeader = new AskedOfLeader(outbox);
    this.replication =
        new Replication(
            config,
            log,
            outbox,
            transfer,
            new SnapshotSender(config, outbox),
            new ReplicatingLeader());
    resetElectionTimer();
  }

  // ---------------------------------------------------------------- events

  /**
   * Tells the core the monotonic clock's reading (nanos), before a batch; used for leases only.
   * Time never goes back: a smaller reading is ignored.
   */
  public void observeClock(long nanos) {
    clockNanos = Math.max(clockNanos, nanos);
  }

  /**
   * The node's applier has applied entries up to {@code index}; fed before a batch's {@link
   * #flush}. A value lower than one seen before is ignored, as is any beyond what was handed out.
   */
  public void observeApplied(long index) {
    appliedSeen = Math.max(appliedSeen, Math.min(index, appliedUpTo));
  }

  /**
   * Whether committed entries are still to be handed to the applier: after a {@link #flush}, those
   * it held back, for one window per batch or for the bound on entries handed out and not applied.
   * The node should then run another batch once the applier has made progress, not wait for a tick.
   */
  public boolean applyHeldBack() {
    return commitIndex > appliedUpTo;
  }

  /**
   * The caller of the command {@code requestId} stopped waiting (its deadline passed): a follower
   * that forwarded it to the leader forgets it, and ignores an answer that comes later.
   */
  public void commandAbandoned(long requestId) {
    askedOfLeader.commandAbandoned(requestId);
  }

  /** As {@link #commandAbandoned}, for a read whose index this node asked of the leader. */
  public void readAbandoned(long requestId) {
    askedOfLeader.readAbandoned(requestId);
  }

  /** Feeds one event of the current batch. */
  public void handle(RaftEvent event) {
    if (event instanceof RaftEvent.Tick) {
      tick();
    } else if (event instanceof RaftEvent.MessageReceived received) {
      receive(received.message());
    } else if (event instanceof RaftEvent.CommandProposed proposed) {
      propose(proposed.requestId(), proposed.type(), proposed.payload());
    } else if (event instanceof RaftEvent.LogDurable durable) {
      logDurable(durable.index(), durable.term(), durable.epoch());
    } else if (event instanceof RaftEvent.ChangeRequested change) {
      requestChange(change.requestId(), change.change());
    } else if (event instanceof RaftEvent.ReadRequested read) {
      requestRead(read.requestId());
    } else if (event instanceof RaftEvent.SnapshotTaken taken) {
      snapshotTaken(taken.snapshot());
    } else if (event instanceof RaftEvent.SnapshotChunkStored stored) {
      snapshotChunkStored(stored);
    } else if (event instanceof RaftEvent.SnapshotDataDamaged damaged) {
      snapshotDataDamaged(damaged);
    }
  }

  /** Ends the batch: returns its actions in the order they must be performed. */
  public List<Action> flush() {
    if (role == Role.LEADER) {
      superviseMembership();
    }
    if (role == Role.LEADER) {
      superviseTransfer();
    }
    if (role == Role.LEADER) {
      superviseReads();
      replication.replicateToAll();
    }
    HardState hardState = null;
    if (hardStateDirty && !InjectedDefects.on(Defect.FORGET_TERM_AND_VOTE)) {
      hardState = new HardState(term, votedFor);
      hardStateDirty = false;
    }
    Action.ApplyEntries apply = null;
    if (commitIndex > appliedUpTo) {
      // At most one window of entries per batch: after a restart without snapshots the whole log
      // may be committed at once, and reading it back in one piece would put it all on the heap.
      // And at most two windows handed out and not yet applied. The rest follows with the next
      // batches, which the node runs once the applier has made progress (a tick at the latest).
      long oneWindow = appliedUpTo + log.held();
      long backlogBound = appliedSeen + 2L * log.held();
      long applyTo = Math.min(commitIndex, Math.min(oneWindow, backlogBound));
      if (applyTo > appliedUpTo) {
        apply = new Action.ApplyEntries(log.range(appliedUpTo + 1, applyTo));
        appliedUpTo = applyTo;
      }
    }
    List<Action> out = outbox.drain(hardState, role == Role.LEADER, term, apply);
    // Every entry is now in an AppendLog action, which the node performs before the next batch:
    // from then on the store can serve what the log lets go of.
    log.stored(log.lastIndex());
    return out;
  }

  private void tick() {
    now++;
    electionElapsed++;
    transfer.expire(now);
    if (role == Role.LEADER) {
      tickLeader();
    } else if (electionElapsed >= randomizedElectionTimeout) {
      if (mayCampaign()) {
        campaign();
      } else {
        resetElectionTimer();
      }
    }
  }

  /**
   * Voters campaign; learners never do. A server its latest configuration removes still does while
   * that configuration is not known committed (thesis 4.2.2): the voters still on the old one may
   * need it to elect anyone. It then runs in the new configuration, without its own vote, and a
   * leader so elected commits the removal and steps down.
   */
  private boolean mayCampaign() {
    ClusterConfiguration c = membership.current();
    if (awaitingLog || lostEntriesMissing()) {
      return false;
    }
    return c.isVoter(self) || (!c.contains(self) && membership.index() > commitIndex);
  }

  /**
   * Whether entries this node once acknowledged, and lost, may still be missing here: its durable
   * log neither reaches them nor holds an entry of a later term. Such an entry came from a leader
   * elected after the loss, which holds every entry committed before (Leader Completeness), and log
   * matching brings them all with it. While this holds, the node neither votes nor campaigns.
   *
   * <p>No configuration is exempt, not even one where this node is the only voter: the cut may have
   * taken the entries that added the others, and the configuration it falls back to is then wrong.
   */
  public boolean lostEntriesMissing() {
    return durableIndex < lost.index()
        && log.term(durableIndex) <= lost.term()
        && !InjectedDefects.on(Defect.IGNORE_LOST_ENTRIES);
  }

  private void tickLeader() {
    heartbeatElapsed++;
    if (heartbeatElapsed >= config.heartbeatTicks()) {
      heartbeatElapsed = 0;
      replication.heartbeatAll();
    } else {
      replication.announceCommit();
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
    return reachedByMajority(Long.MAX_VALUE, pr -> pr.lastHeardAt, Long.MIN_VALUE) > now - ticks;
  }

  /**
   * The value a majority of the current voters has reached ({@link Quorum#reached}): this node's is
   * {@code selfValue}, a peer's comes from its progress, or is {@code absent} when it is not
   * replicated to.
   */
  private long reachedByMajority(long selfValue, ToLongFunction<Progress> value, long absent) {
    return replication.reachedByMajority(membership.current(), selfValue, value, absent);
  }

  // ---------------------------------------------------------------- elections

  private void campaign() {
    campaign(false);
  }

  /** {@code forTransfer}: asked by the leader (TimeoutNow), so voters set aside its lease. */
  private void campaign(boolean forTransfer) {
    if (config.preVote()) {
      becomePreCandidate(forTransfer);
    } else {
      becomeCandidate(forTransfer);
    }
  }

  /**
   * Probes with the term it would campaign in, without moving to it (thesis 9.6). {@code
   * forTransfer}: asked by the leader (TimeoutNow), so voters set aside its lease; probed all the
   * same, so that a target cut off just after it was asked does not raise its term, which on its
   * return would end the term of the leader it failed to replace.
   */
  private void becomePreCandidate(boolean forTransfer) {
    role = Role.PRE_CANDIDATE;
    campaignForTransfer = forTransfer;
    setLeader(null, forTransfer ? "asked to campaign" : "election timeout");
    resetElectionTimer();
    tally = newTally();
    requestVotes(term + 1, true, forTransfer);
    if (tally.record(self, true) == VoteTally.Result.WON) {
      becomeCandidate(forTransfer);
    }
  }

  /** {@code forTransfer}: asked by the leader (TimeoutNow), so voters set aside its lease. */
  private void becomeCandidate(boolean forTransfer) {
    role = Role.CANDIDATE;
    setTerm(term + 1);
    votedFor = self;
    hardStateDirty = true;
    setLeader(null, "election timeout");
    resetElectionTimer();
    tally = newTally();
    requestVotes(term, false, forTransfer);
    if (tally.record(self, true) == VoteTally.Result.WON) {
      becomeLeader();
    }
  }

  private VoteTally newTally() {
    return new VoteTally(membership.current());
  }

  private void requestVotes(long electionTerm, boolean preVote, boolean forTransfer) {
    for (String peer : membership.otherVoters(self)) {
      send(
          new VoteRequest(
              self, peer, electionTerm, log.lastIndex(), log.lastTerm(), preVote, forTransfer));
    }
  }

  private void becomeLeader() {
    role = Role.LEADER;
    transfer.leadershipBegan();
    forwardedHere.clear();
    tally = null;
    heartbeatElapsed = 0;
    electionElapsed = 0;
    replication.clear();
    replication.trackMembersOf(membership.current());
    setLeader(self, "won election in term " + term);
    // A leader commits entries of earlier terms only through one of its own (paper 5.4.2), so
    // it appends a no-op at once rather than waiting for a client (thesis 6.4).
    appendLocal(LogEntry.noop(log.lastIndex() + 1, term));
  }

  private void becomeFollower(long newTerm, String leader, String cause) {
    if (newTerm > term) {
      setTerm(newTerm);
    }
    if (role == Role.LEADER) {
      // forwardedHere is kept to the end of the term: see onForwardedCommand.
      changes.abandon();
      for (ReadIndex.Read read : reads.all()) {
        refuseRead(read, new NotLeaderException(self, leader, null));
      }
      reads.clear();
      transfer.steppedDown();
    }
    role = Role.FOLLOWER;
    tally = null;
    replication.clear();
    resetElectionTimer();
    setLeader(leader, cause);
  }

  private void setTerm(long newTerm) {
    askedOfLeader.termEnded(
        () -> new NotLeaderException(self, null, null), this::forwardUnanswered);
    term = newTerm;
    votedFor = null;
    hardStateDirty = true;
    forwardedHere.clear();
    owedAck.forget();
    // A snapshot from the old term's leader is started over by the new one.
    abandonSnapshotTransfer();
  }

  /** The chunks stored of a transfer that nothing will finish are deleted, in write order. */
  private void abandonSnapshotTransfer() {
    if (receiver.reset()) {
      outbox.write(new Action.DiscardSnapshotChunks());
    }
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
    if (newLeader != null) {
      transfer.leaderSeen(newLeader);
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
    outbox.report(
        new Action.LeaderChanged(new LeaderChange(kind, term, old, newLeader, cause), commitIndex));
  }

  // ---------------------------------------------------------------- messages

  private void receive(RaftMessage m) {
    if (!self.equals(m.to())) {
      return; // misrouted
    }
    if (m instanceof AppendEntriesRequest r && !r.wellFormed()) {
      return; // no leader sends it: a faulty peer, or a transport that let it through
    }
    if (m instanceof VoteResponse && !membership.current().isVoter(m.from())) {
      return; // only the votes of our configuration's voters count
    }
    if (m.term() > term) {
      if (m instanceof VoteRequest vr && !vr.transfer() && ignoresCandidates()) {
        // A node that hears a leader ignores candidates and pre-candidates: a partitioned or
        // removed server cannot depose a healthy leader (thesis 4.2.3).
        return;
      }
      boolean prevoteTraffic =
          (m instanceof VoteRequest vr && vr.preVote())
              || (m instanceof VoteResponse r && r.preVote() && r.granted());
      if (!prevoteTraffic) {
        String leader =
            m instanceof AppendEntriesRequest || m instanceof InstallSnapshotRequest
                ? m.from()
                : null;
        becomeFollower(m.term(), leader, "saw term " + m.term() + " from " + m.from());
      }
    } else if (m.term() < term) {
      answerStale(m);
      return;
    }
    if (m instanceof TimeoutNow) {
      onTimeoutNow();
    } else if (m instanceof ReadIndexRequest request) {
      serveRead(new ReadIndex.Read(request.requestId(), request.from()));
    } else if (m instanceof ReadIndexResponse response) {
      onReadIndexResponse(response);
    } else if (m instanceof ForwardedCommand command) {
      onForwardedCommand(command);
    } else if (m instanceof ForwardedCommandResponse response) {
      onForwardedCommandResponse(response);
    } else if (m instanceof AppendEntriesRequest request) {
      onAppendEntries(request);
    } else if (m instanceof AppendEntriesResponse response) {
      onAppendEntriesResponse(response);
    } else if (m instanceof VoteRequest request) {
      onVoteRequest(request);
    } else if (m instanceof VoteResponse response) {
      onVoteResponse(response);
    } else if (m instanceof InstallSnapshotRequest request) {
      onInstallSnapshot(request);
    } else if (m instanceof InstallSnapshotResponse response) {
      onInstallSnapshotResponse(response);
    }
  }

  private boolean inLease() {
    return config.checkQuorum()
        && (role == Role.LEADER || now - leaderHeardAt < config.electionTicks());
  }

  /**
   * Whether candidates, but a transfer's target, get no vote: while this node leads or heard a
   * leader within an election timeout (check-quorum), and for one after a restart with leases on.
   */
  private boolean ignoresCandidates() {
    return inLease() || now < quietUntil;
  }

  private void answerStale(RaftMessage m) {
    // A stale leader learns our term and steps down; without pre-vote it would learn it
    // from our vote requests, but with it we may never send one.
    if (m instanceof AppendEntriesRequest r) {
      send(new AppendEntriesResponse(self, r.from(), term, false, r.prevLogIndex(), 0, 0));
    } else if (m instanceof VoteRequest r && r.preVote()) {
      send(new VoteResponse(self, r.from(), term, false, true));
    } else if (m instanceof InstallSnapshotRequest r) {
      send(new InstallSnapshotResponse(self, r.from(), term, r.snapshot().index(), 0, false));
    }
  }

  private void onVoteRequest(VoteRequest m) {
    // A vote already given is repeated; a new one needs no vote and no known leader in this
    // term; a pre-vote for a later term binds nothing, so only the log check applies.
    boolean free =
        m.from().equals(votedFor)
            // A term this node was moved to by a message that named no leader (a refused
            // pre-vote, say) is no licence to vote while it still heeds the one it heard.
            || (votedFor == null && leaderId == null && (m.transfer() || !ignoresCandidates()))
            || (m.preVote() && m.term() > term)
            || (InjectedDefects.on(Defect.GRANT_VOTE_TWICE) && leaderId == null);
    boolean grant =
        // A node answers vote requests whatever its own latest configuration says (thesis
        // 4.1): that configuration may be an uncommitted one about to be overwritten, and the
        // voters of the new leader's configuration may need its vote. Removed servers cannot
        // disrupt a healthy cluster: followers that hear a leader ignore them (check-quorum),
        // and their logs fall behind, so their pre-votes fail.
        free
            && !awaitingLog
            && !lostEntriesMissing()
            && (log.isUpToDate(m.lastLogIndex(), m.lastLogTerm())
                || InjectedDefects.on(Defect.SKIP_UP_TO_DATE_CHECK));
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
          becomeCandidate(campaignForTransfer);
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
    leaderHeardAt = now;
    setLeader(m.from(), "heard from leader of term " + term);
    long prev = m.prevLogIndex();
    if (prev > log.lastIndex()) {
      reject(m, 0, log.lastIndex() + 1);
      return;
    }
    if (prev >= log.firstIndex() - 1
        && !log.matches(prev, m.prevLogTerm())
        && !InjectedDefects.on(Defect.SKIP_PREV_TERM_CHECK)) {
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
    advanceCommit(
        Math.min(
            m.leaderCommit(),
            InjectedDefects.on(Defect.COMMIT_PAST_MATCHED_ENTRIES) ? log.lastIndex() : lastNew));
    acknowledge(m.from(), lastNew, m.sequence(), m.entries().isEmpty());
  }

  private void reject(AppendEntriesRequest m, long conflictTerm, long conflictIndex) {
    send(
        new AppendEntriesResponse(
            self,
            m.from(),
            term,
            false,
            m.prevLogIndex(),
            conflictTerm,
            conflictIndex,
            m.sequence()));
  }

  /**
   * A follower acks only what is durable (thesis 10.2.1); the rest waits for LogDurable. A
   * heartbeat is answered at once with what is durable, so that a slow disk does not make the
   * leader believe it lost contact (check-quorum) and stop confirming reads.
   */
  private void acknowledge(String leader, long index, long sequence, boolean heartbeat) {
    if (durableIndex >= index || InjectedDefects.on(Defect.ACK_BEFORE_DURABLE)) {
      send(new AppendEntriesResponse(self, leader, term, true, index, 0, 0, sequence));
    } else {
      if (heartbeat) {
        // Entries up to the heartbeat's index match the leader's, so a durable prefix of them
        // may be acknowledged.
        send(new AppendEntriesResponse(self, leader, term, true, durableIndex, 0, 0, sequence));
      }
      owedAck.owe(leader, index, sequence);
    }
  }

  /**
   * The store made the append of {@code epoch} durable up to (index, entryTerm). Stale when that
   * entry has since been truncated (ABA): rewritten in another term, or even rewritten the same,
   * since the truncation may have erased the copy this acknowledgement is about. A follower's
   * truncation is followed by appends of its own epoch, whose acknowledgement covers everything
   * before; a snapshot install sets what is durable itself.
   */
  private void logDurable(long index, long entryTerm, long epoch) {
    boolean stale =
        (!log.matches(index, entryTerm) || epoch != logEpoch)
            && !InjectedDefects.on(Defect.ACCEPT_STALE_DURABILITY_ACK);
    if (stale || index <= durableIndex) {
      return;
    }
    durableIndex = Math.min(index, log.lastIndex());
    if (role == Role.LEADER) {
      tryAdvanceCommitIndex();
    } else {
      AppendEntriesResponse ack = owedAck.dueAt(self, term, durableIndex);
      if (ack != null) {
        send(ack);
      }
    }
  }

  private void onAppendEntriesResponse(AppendEntriesResponse m) {
    if (role == Role.LEADER && replication.onAnswer(m)) {
      tryAdvanceCommitIndex();
    }
  }

  // ---------------------------------------------------------------- log and commit

  private void propose(long requestId, EntryType type, byte[] payload) {
    if (role != Role.LEADER) {
      if (config.forwardToLeader() && leaderId != null) {
        askedOfLeader.commandForwarded(requestId);
        send(new ForwardedCommand(self, leaderId, term, requestId, type, payload));
      } else {
        outbox.report(new Action.ProposalRejected(requestId, notLeader()));
      }
      return;
    }
    if (transfer.target() != null) {
      outbox.report(
          new Action.ProposalRejected(
              requestId,
              new MembershipChangeException(
                  Reason.TRANSFER_IN_PROGRESS, "leadership is moving to " + transfer.target())));
      return;
    }
    LogEntry entry = new LogEntry(log.lastIndex() + 1, term, type, payload);
    appendLocal(entry);
    outbox.report(new Action.ProposalAccepted(requestId, entry.index(), entry.term()));
  }

  private void appendLocal(LogEntry entry) {
    log.append(entry);
    awaitingLog = false;
    outbox.append(entry, logEpoch);
    if (membership.onAppend(entry)) {
      configurationChanged();
    }
  }

  private void truncateLocal(long fromIndex) {
    log.truncateFrom(fromIndex);
    logEpoch++;
    outbox.write(new Action.TruncateLog(fromIndex));
    durableIndex = Math.min(durableIndex, fromIndex - 1);
    if (membership.onTruncate(fromIndex, log)) {
      configurationChanged(); // the entry that carried it never committed: revert (thesis 4.1)
    }
  }

  private void advanceCommit(long index) {
    if (index > commitIndex) {
      commitIndex = index;
    }
  }

  /**
   * The leader commits the highest index stored durably on a majority, but only if it belongs to
   * the current term: an older entry on a majority can still be overwritten (paper Figure 8), and
   * becomes committed only under an entry of this term.
   */
  private void tryAdvanceCommitIndex() {
    // A leader that is removing itself is no voter: it manages the cluster without counting
    // (thesis 4.2.2).
    long majorityIndex =
        InjectedDefects.on(Defect.COMMIT_WITHOUT_MAJORITY)
            ? durableIndex
            : reachedByMajority(durableIndex, pr -> pr.matchIndex, 0);
    boolean ofThisTerm =
        log.term(majorityIndex) == term || InjectedDefects.on(Defect.COMMIT_BY_COUNTING);
    if (majorityIndex > commitIndex && ofThisTerm) {
      advanceCommit(majorityIndex);
    }
  }

  private void send(RaftMessage m) {
    outbox.send(m);
  }

  // ---------------------------------------------------------------- snapshots

  /** The newest snapshot this node holds, or null. */
  public SnapshotMeta snapshot() {
    return snapshot;
  }

  /**
   * A snapshot of this node's state is durable: the log drops what the previous snapshot covers, in
   * memory and in the store. Keeping one snapshot interval lets a follower that lags a little catch
   * up from the log rather than through a whole snapshot, and lets a node whose newest snapshot
   * turns out damaged restart from the previous one and replay the log after it.
   */
  private void snapshotTaken(SnapshotMeta taken) {
    if ((snapshot != null && taken.index() <= snapshot.index()) || taken.index() > appliedUpTo) {
      return; // not newer than what is held (a leader's snapshot was installed meanwhile)
    }
    if (!log.matches(taken.index(), taken.term())) {
      throw new IllegalStateException(
          "snapshot " + taken.index() + "@" + taken.term() + " does not match the applied log");
    }
    SnapshotMeta previous = snapshot;
    snapshot = taken;
    durableIndex = Math.max(durableIndex, taken.index());
    if (previous != null && previous.index() > log.firstIndex() - 1) {
      log.compactTo(previous.index(), previous.term());
      outbox.write(new Action.CompactLog(previous.index()));
      if (membership.rebase(previous.configuration(), previous.index(), log)) {
        configurationChanged();
      }
    }
  }

  private void onInstallSnapshotResponse(InstallSnapshotResponse m) {
    if (role == Role.LEADER && replication.onSnapshotAnswer(m)) {
      tryAdvanceCommitIndex();
      replication.resume(m.from());
    }
  }

  private void onInstallSnapshot(InstallSnapshotRequest m) {
    if (role != Role.FOLLOWER) {
      becomeFollower(term, m.from(), "leader " + m.from() + " of term " + term + " found");
    }
    electionElapsed = 0;
    leaderHeardAt = now;
    setLeader(m.from(), "heard from leader of term " + term);
    SnapshotMeta meta = m.snapshot();
    if (meta.index() <= commitIndex) {
      // This node's state already covers it: committed entries are the same everywhere. A
      // transfer of it under way ends here.
      abandonSnapshotTransfer();
      send(snapshotAnswer(m.from(), meta, meta.size()));
      return;
    }
    SnapshotReceiver.Decision decision = receiver.onChunk(m, term);
    if (decision instanceof SnapshotReceiver.Store) {
      outbox.write(new Action.StoreSnapshotChunk(m));
    } else if (decision instanceof SnapshotReceiver.Answer answer) {
      send(snapshotAnswer(m.from(), meta, answer.nextOffset()));
    }
  }

  private InstallSnapshotResponse snapshotAnswer(String leader, SnapshotMeta meta, long next) {
    return new InstallSnapshotResponse(self, leader, term, meta.index(), next, true);
  }

  private void snapshotChunkStored(RaftEvent.SnapshotChunkStored stored) {
    SnapshotMeta meta = stored.snapshot();
    if (!receiver.onStored(stored.leader(), stored.term(), meta, stored.nextOffset())) {
      return; // a transfer this node has since abandoned
    }
    if (stored.nextOffset() >= meta.size()) {
      installSnapshot(meta);
    }
    send(snapshotAnswer(stored.leader(), meta, stored.nextOffset()));
  }

  /** Follower: the snapshot arrived damaged and was dropped; the leader starts over. */
  private void snapshotDataDamaged(RaftEvent.SnapshotDataDamaged damaged) {
    SnapshotMeta meta = damaged.snapshot();
    if (receiver.abandon(damaged.leader(), damaged.term(), meta)) {
      send(new InstallSnapshotResponse(self, damaged.leader(), term, meta.index(), 0, false));
    }
  }

  /**
   * Follower: a complete, durable snapshot from the leader replaces the state. The log keeps the
   * entries after it when it holds the snapshot's last entry (log matching makes them a valid
   * continuation); otherwise the whole log goes (paper section 7).
   */
  private void installSnapshot(SnapshotMeta meta) {
    if (meta.index() <= commitIndex) {
      return; // replication overtook the transfer
    }
    boolean keepSuffix = log.matches(meta.index(), meta.term());
    if (!keepSuffix && log.lastIndex() > meta.index()) {
      logEpoch++;
      outbox.write(new Action.TruncateLog(meta.index() + 1));
    }
    if (!keepSuffix) {
      outbox.write(new Action.CompactLog(meta.index())); // nothing stored continues it
    } else if (snapshot != null) {
      outbox.write(new Action.CompactLog(snapshot.index())); // as for a snapshot of our own
    }
    log.compactTo(meta.index(), meta.term());
    if (!keepSuffix) {
      durableIndex = meta.index();
      owedAck.forget(); // the entries it was for are gone
    } else {
      durableIndex = Math.max(durableIndex, meta.index());
    }
    snapshot = meta;
    awaitingLog = false;
    advanceCommit(meta.index());
    appliedUpTo = meta.index();
    appliedSeen = Math.max(appliedSeen, meta.index()); // a restore puts no entries in the queue
    outbox.report(new Action.RestoreSnapshot(meta));
    if (membership.rebase(meta.configuration(), meta.index(), log)) {
      configurationChanged();
    }
  }

  // ---------------------------------------------------------------- membership

  private void requestChange(long requestId, MembershipChange change) {
    if (role != Role.LEADER) {
      outbox.report(new Action.ChangeFailed(requestId, notLeader()));
    } else if (change instanceof MembershipChange.TransferLeadership t) {
      transfer.request(
          requestId,
          t.memberId(),
          self,
          membership.current().isVoter(t.memberId()),
          now + config.electionTicks());
    } else {
      changes.request(requestId, change);
    }
  }

  /** What {@link Replication} sees of this node while it leads. */
  private final class ReplicatingLeader implements Replication.Leader {
    @Override
    public long term() {
      return term;
    }

    @Override
    public long commitIndex() {
      return commitIndex;
    }

    @Override
    public long now() {
      return now;
    }

    @Override
    public long clockNanos() {
      return clockNanos;
    }

    @Override
    public SnapshotMeta snapshot() {
      return snapshot;
    }
  }

  /** What {@link MembershipChanges} sees of this node while it leads. */
  private final class ChangingLeader implements MembershipChanges.Leader {
    @Override
    public boolean committedInTerm() {
      return log.term(commitIndex) == term
          || InjectedDefects.on(Defect.CHANGE_BEFORE_OWN_TERM_COMMIT);
    }

    @Override
    public String transferTarget() {
      return transfer.target();
    }

    @Override
    public long commitIndex() {
      return commitIndex;
    }

    @Override
    public long lastIndex() {
      return log.lastIndex();
    }

    @Override
    public long now() {
      return now;
    }

    @Override
    public Membership membership() {
      return membership;
    }

    @Override
    public long propose(ClusterConfiguration next) {
      return proposeConfiguration(next);
    }

    @Override
    public long matchIndex(String member) {
      Progress pr = replication.progressOf(member);
      return pr == null ? -1 : pr.matchIndex;
    }

    @Override
    public long snapshotOffset(String member) {
      Progress pr = replication.progressOf(member);
      return pr == null || pr.state != Progress.State.SNAPSHOT ? -1 : pr.snapshotOffset;
    }

    @Override
    public NotLeaderException notLeader() {
      return RaftCore.this.notLeader();
    }

    @Override
    public LeadershipLostException leadershipLost(long index) {
      return new LeadershipLostException(self, index, term);
    }

    @Override
    public void report(Action outcome) {
      outbox.report(outcome);
    }
  }

  private OutcomeUnknownException forwardUnanswered() {
    return new OutcomeUnknownException(
        "node "
            + self
            + ": a command forwarded to "
            + (leaderId == null ? "the leader" : leaderId)
            + ", leader in term "
            + term
            + ", was not answered before the term ended; the command may still commit");
  }

  private NotLeaderException notLeader() {
    String address =
        leaderId == null
            ? null
            : membership.current().member(leaderId).map(Member::address).orElse(null);
    return new NotLeaderException(self, leaderId, address);
  }

  private long proposeConfiguration(ClusterConfiguration next) {
    LogEntry entry =
        new LogEntry(
            log.lastIndex() + 1, term, EntryType.CONFIGURATION, ConfigurationCodec.encode(next));
    appendLocal(entry);
    return entry.index();
  }

  /** A new configuration took effect here (appended, or reverted by a truncation). */
  private void configurationChanged() {
    ClusterConfiguration c = membership.current();
    if (role == Role.LEADER) {
      replication.trackMembersOf(c);
    }
    outbox.report(new Action.ConfigurationChanged(c));
  }

  /** Leader, once per batch: moves changes along; steps down once its own removal commits. */
  private void superviseMembership() {
    changes.supervise();
    if (!membership.current().isVoter(self) && membership.index() <= commitIndex) {
      // Our removal committed: stop leading, so the remaining voters elect one of their own.
      becomeFollower(term, null, "removed from the configuration");
    }
  }

  /** The configuration this node uses now. */
  public ClusterConfiguration configuration() {
    return membership.current();
  }

  // ---------------------------------------------------------------- leadership transfer

  /** Leader, per batch: once the target holds the whole log, tell it to campaign now. */
  private void superviseTransfer() {
    if (!transfer.awaitsHandOver()) {
      return;
    }
    Progress pr = replication.progressOf(transfer.target());
    if (pr != null && pr.matchIndex == log.lastIndex()) {
      transfer.handedOver();
      send(new TimeoutNow(self, transfer.target(), term));
    }
  }

  /** The leader asked us to campaign at once, skipping pre-vote and its lease (thesis 3.10). */
  private void onTimeoutNow() {
    if (role == Role.FOLLOWER
        && membership.current().isVoter(self)
        && !awaitingLog
        && !lostEntriesMissing()) {
      campaign(true);
    }
  }

  // ---------------------------------------------------------------- forwarding

  /** Leader: a follower's client command, appended as if submitted here. */
  private void onForwardedCommand(ForwardedCommand m) {
    if (role != Role.LEADER) {
      // A copy of a command this node appended while it led this term (check-quorum steps a
      // leader down within its term) gets the index it got: that entry may still commit, and a
      // refusal would tell its caller it was not applied.
      long index = forwardedHere.indexOf(m.from(), m.requestId());
      boolean appended = index != ForwardedHere.NEW && index != ForwardedHere.REFUSED;
      send(
          new ForwardedCommandResponse(
              self,
              m.from(),
              term,
              m.requestId(),
              appended ? index : 0,
              appended ? term : 0,
              appended));
      return;
    }
    // A copy gets the answer the first one got, accepted or refused: a refusal tells the caller
    // its command was not applied, so a later copy must not be appended either.
    long index = forwardedHere.indexOf(m.from(), m.requestId());
    if (index == ForwardedHere.NEW) {
      if (transfer.target() != null) {
        index = ForwardedHere.REFUSED;
      } else {
        LogEntry entry = new LogEntry(log.lastIndex() + 1, term, m.type(), m.payload());
        appendLocal(entry);
        index = entry.index();
      }
      forwardedHere.record(m.from(), m.requestId(), index);
    }
    if (index == ForwardedHere.REFUSED) {
      send(new ForwardedCommandResponse(self, m.from(), term, m.requestId(), 0, 0, false));
      return;
    }
    replication.wantsCommit(m.from(), index);
    send(new ForwardedCommandResponse(self, m.from(), term, m.requestId(), index, term, true));
  }

  /**
   * Follower: the leader appended our caller's command at (index, term); the caller is answered
   * when this node applies that entry, or told it was overwritten.
   */
  private void onForwardedCommandResponse(ForwardedCommandResponse m) {
    if (!askedOfLeader.commandAnswered(m.requestId())) {
      return;
    }
    outbox.report(
        m.accepted()
            ? new Action.ProposalAccepted(m.requestId(), m.index(), m.entryTerm())
            : new Action.ProposalRejected(m.requestId(), notLeader()));
  }

  // ---------------------------------------------------------------- reads

  private void requestRead(long requestId) {
    if (role != Role.LEADER && leaderId != null) {
      // A follower asks the leader for a read index, then waits for its own apply (thesis 6.4).
      askedOfLeader.readAsked(requestId);
      send(new ReadIndexRequest(self, leaderId, term, requestId));
    } else {
      serveRead(new ReadIndex.Read(requestId, null));
    }
  }

  /** A read on the leader: this node's own, or one a follower asked for. */
  private void serveRead(ReadIndex.Read read) {
    if (role != Role.LEADER) {
      refuseRead(read, notLeader());
    } else if (log.term(commitIndex) != term
        && !InjectedDefects.on(Defect.READ_BEFORE_OWN_TERM_COMMIT)) {
      // Until its no-op commits, a new leader does not know the commit index (thesis 6.4).
      reads.awaitTermCommit(read);
    } else if (leaseHolds() || InjectedDefects.on(Defect.READ_WITHOUT_QUORUM)) {
      answerRead(read, commitIndex);
    } else {
      reads.awaitRound(read);
    }
  }

  private void answerRead(ReadIndex.Read read, long readIndex) {
    if (read.requester() == null) {
      outbox.report(new Action.ReadReady(read.requestId(), readIndex));
    } else {
      send(new ReadIndexResponse(self, read.requester(), term, read.requestId(), readIndex, true));
      replication.wantsCommit(read.requester(), readIndex);
    }
  }

  private void refuseRead(ReadIndex.Read read, NotLeaderException error) {
    if (read.requester() == null) {
      outbox.report(new Action.ReadFailed(read.requestId(), error));
    } else {
      send(new ReadIndexResponse(self, read.requester(), term, read.requestId(), 0, false));
    }
  }

  private void onReadIndexResponse(ReadIndexResponse m) {
    if (askedOfLeader.readAnswered(m.requestId())) {
      outbox.report(
          m.ok()
              ? new Action.ReadReady(m.requestId(), m.readIndex())
              : new Action.ReadFailed(m.requestId(), notLeader()));
    }
  }

  /**
   * A lease: a majority answered a request sent at time t, and none of them will vote for another
   * leader before t + election timeout (they ignore candidates while they hear a leader), so until
   * t + the lease (shorter, for clock drift) no other leader can exist. Timed with the monotonic
   * clock, not ticks: a paused process misses ticks but not time. Not during a transfer, whose
   * election deliberately ignores that rule.
   */
  private boolean leaseHolds() {
    if (config.leaseNanos() <= 0
        || !config.checkQuorum()
        || transfer.target() != null
        || transfer.leaseGivenAway()) {
      return false;
    }
    long quorumSentAt = reachedByMajority(clockNanos, pr -> pr.ackedSentAt, Long.MIN_VALUE);
    return quorumSentAt != Long.MIN_VALUE && clockNanos < quorumSentAt + config.leaseNanos();
  }

  /** Leader, per batch: starts a heartbeat round for new reads, answers confirmed ones. */
  private void superviseReads() {
    if (reads.isEmpty()) {
      return;
    }
    if (reads.startRound(
        log.term(commitIndex) == term, commitIndex, replication.lastSequence() + 1)) {
      replication.confirmLeadership();
    }
    if (reads.inRound()) {
      // The highest request sequence a majority has answered: a read waiting on a round at or
      // below it is confirmed.
      reads.confirm(
          reachedByMajority(Long.MAX_VALUE, pr -> pr.ackedSequence, Long.MIN_VALUE),
          this::answerRead);
    }
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
    return replication.inflightAppends(peer);
  }

  /** A status view; the caller supplies what the core does not track. */
  public RaftStatus status(long lastApplied, List<Long> snapshotIndexes) {
    return new RaftStatus(
        self,
        role,
        term,
        leaderId,
        votedFor,
        commitIndex,
        lastApplied,
        log.firstIndex(),
        log.lastIndex(),
        log.lastTerm(),
        membership.current().voters(),
        membership.current().learners(),
        replication.status(),
        snapshotIndexes,
        lostEntriesMissing() ? lost.index() : 0);
  }
}
