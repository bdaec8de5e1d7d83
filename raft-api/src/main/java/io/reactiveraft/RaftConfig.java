package io.reactiveraft;

import io.reactiveraft.spi.Codec;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.SnapshotStore;
import io.reactiveraft.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import reactor.core.scheduler.Scheduler;

/**
 * Everything one node needs to run, validated when built: an invalid value fails {@link
 * Builder#build()} with an {@link IllegalArgumentException} that names the field and the rule.
 * Immutable and thread-safe.
 *
 * <p>Defaults follow fluree/raft where it has one, except where noted on the builder method.
 *
 * @param <C> command type
 * @param <R> result type
 */
public final class RaftConfig<C, R> {

  private final List<Member> members;
  private final String selfId;
  private final Transport transport;
  private final LogStore logStore;
  private final SnapshotStore snapshotStore;
  private final long snapshotThresholdBytes;
  private final int snapshotChunkBytes;
  private final StateMachine<C, R> stateMachine;
  private final Codec<C> codec;
  private final Consumer<LeaderChange> leaderChangeListener;
  private final Duration tickInterval;
  private final Duration heartbeatInterval;
  private final Duration electionTimeout;
  private final boolean preVote;
  private final boolean checkQuorum;
  private final int maxEntriesPerAppend;
  private final int maxAppendBytes;
  private final int maxInflightAppends;
  private final Duration defaultCommandTimeout;
  private final int maxPendingCommands;
  private final int logEntriesInMemory;
  private final long maxPendingBytes;
  private final int snapshotThreshold;
  private final int logHistory;
  private final int catchUpRounds;
  private final Runnable closeHook;
  private final Scheduler scheduler;
  private final Scheduler applyScheduler;
  private final Scheduler ioScheduler;
  private final Codec<R> resultCodec;
  private final Long randomSeed;
  private final boolean bootstrap;
  private final Duration sessionTimeout;
  private final boolean leaseReads;
  private final double clockDriftBound;
  private final java.util.function.LongSupplier monotonicClock;
  private final int maxCommandBytes;
  private final boolean forwardToLeader;

  private RaftConfig(Builder<C, R> b) {
    members = List.copyOf(b.members);
    selfId = b.selfId;
    transport = b.transport;
    logStore = b.logStore;
    snapshotStore = b.snapshotStore;
    snapshotThresholdBytes = b.snapshotThresholdBytes;
    snapshotChunkBytes = b.snapshotChunkBytes;
    stateMachine = b.stateMachine;
    codec = b.codec;
    leaderChangeListener = b.leaderChangeListener;
    tickInterval = b.tickInterval;
    heartbeatInterval = b.heartbeatInterval;
    electionTimeout = b.electionTimeout;
    preVote = b.preVote;
    checkQuorum = b.checkQuorum;
    maxEntriesPerAppend = b.maxEntriesPerAppend;
    maxAppendBytes = b.maxAppendBytes;
    maxInflightAppends = b.maxInflightAppends;
    defaultCommandTimeout = b.defaultCommandTimeout;
    maxPendingCommands = b.maxPendingCommands;
    logEntriesInMemory = b.logEntriesInMemory;
    maxPendingBytes = b.maxPendingBytes;
    snapshotThreshold = b.snapshotThreshold;
    logHistory = b.logHistory;
    catchUpRounds = b.catchUpRounds;
    closeHook = b.closeHook;
    scheduler = b.scheduler;
    applyScheduler = b.applyScheduler;
    ioScheduler = b.ioScheduler;
    resultCodec = b.resultCodec;
    randomSeed = b.randomSeed;
    bootstrap = b.bootstrap;
    sessionTimeout = b.sessionTimeout;
    leaseReads = b.leaseReads;
    clockDriftBound = b.clockDriftBound;
    monotonicClock = b.monotonicClock;
    maxCommandBytes = b.maxCommandBytes;
    forwardToLeader = b.forwardToLeader;
  }

  /** The value set by {@link Builder#leaseReads}, or its default. */
  public boolean leaseReads() {
    return leaseReads;
  }

  /** The value set by {@link Builder#clockDriftBound}, or its default. */
  public double clockDriftBound() {
    return clockDriftBound;
  }

  /**
   * The lease: the election timeout in whole ticks (what followers count before they vote again,
   * which an election timeout that is not a multiple of the tick rounds down), shortened by the
   * clock drift bound and one tick of timer resolution; 0 when lease reads are off.
   */
  public Duration lease() {
    if (!leaseReads) {
      return Duration.ZERO;
    }
    long promised = electionTicks() * tickInterval.toNanos();
    long nanos = (long) (promised * (1 - clockDriftBound)) - tickInterval.toNanos();
    return Duration.ofNanos(Math.max(0, nanos));
  }

  /** Whether a follower forwards submitted commands to the leader. */
  public boolean forwardToLeader() {
    return forwardToLeader;
  }

  /** The largest encoded command {@code submit} accepts. */
  public int maxCommandBytes() {
    return maxCommandBytes;
  }

  /** The monotonic clock, in nanos, that times leases. */
  public java.util.function.LongSupplier monotonicClock() {
    return monotonicClock;
  }

  /** How long a client session lives without a command, in log time. */
  public Duration sessionTimeout() {
    return sessionTimeout;
  }

  /**
   * A builder with every default set; members, self, transport, log store, state machine and codec
   * are required.
   */
  public static <C, R> Builder<C, R> builder() {
    return new Builder<>();
  }

  /** The value set by {@link Builder#members}. */
  public List<Member> members() {
    return members;
  }

  /** The value set by {@link Builder#self}. */
  public String selfId() {
    return selfId;
  }

  /** This node's own member entry. */
  public Member self() {
    return member(selfId).orElseThrow();
  }

  /** The member with that id, if it is in the configuration. */
  public Optional<Member> member(String id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst();
  }

  /** The value set by {@link Builder#transport}. */
  public Transport transport() {
    return transport;
  }

  /** The value set by {@link Builder#logStore}. */
  public LogStore logStore() {
    return logStore;
  }

  /** Where snapshots are kept; empty means the node never snapshots and keeps its whole log. */
  public Optional<SnapshotStore> snapshotStore() {
    return Optional.ofNullable(snapshotStore);
  }

  /** The value set by {@link Builder#snapshotThresholdBytes}, or its default. */
  public long snapshotThresholdBytes() {
    return snapshotThresholdBytes;
  }

  /** The value set by {@link Builder#snapshotChunkBytes}, or its default. */
  public int snapshotChunkBytes() {
    return snapshotChunkBytes;
  }

  /** The value set by {@link Builder#stateMachine}. */
  public StateMachine<C, R> stateMachine() {
    return stateMachine;
  }

  /** The value set by {@link Builder#codec}. */
  public Codec<C> codec() {
    return codec;
  }

  /** The value set by {@link Builder#leaderChangeListener}, or its default. */
  public Optional<Consumer<LeaderChange>> leaderChangeListener() {
    return Optional.ofNullable(leaderChangeListener);
  }

  /** The value set by {@link Builder#tickInterval}, or its default. */
  public Duration tickInterval() {
    return tickInterval;
  }

  /** The value set by {@link Builder#heartbeatInterval}, or its default. */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** The value set by {@link Builder#electionTimeout}, or its default. */
  public Duration electionTimeout() {
    return electionTimeout;
  }

  /** Heartbeat interval in whole ticks (at least 1). */
  public int heartbeatTicks() {
    return (int) Math.max(1, heartbeatInterval.toNanos() / tickInterval.toNanos());
  }

  /** Election timeout in whole ticks; the randomised timeout is drawn from [T, 2T). */
  public int electionTicks() {
    return (int) Math.max(2, electionTimeout.toNanos() / tickInterval.toNanos());
  }

  /** The value set by {@link Builder#preVote}, or its default. */
  public boolean preVote() {
    return preVote;
  }

  /** The value set by {@link Builder#checkQuorum}, or its default. */
  public boolean checkQuorum() {
    return checkQuorum;
  }

  /** The value set by {@link Builder#maxEntriesPerAppend}, or its default. */
  public int maxEntriesPerAppend() {
    return maxEntriesPerAppend;
  }

  /** The value set by {@link Builder#maxAppendBytes}, or its default. */
  public int maxAppendBytes() {
    return maxAppendBytes;
  }

  /** The value set by {@link Builder#maxInflightAppends}, or its default. */
  public int maxInflightAppends() {
    return maxInflightAppends;
  }

  /** The value set by {@link Builder#defaultCommandTimeout}, or its default. */
  public Duration defaultCommandTimeout() {
    return defaultCommandTimeout;
  }

  /** The value set by {@link Builder#maxPendingCommands}, or its default. */
  public int maxPendingCommands() {
    return maxPendingCommands;
  }

  /** The value set by {@link Builder#logEntriesInMemory}, or its default. */
  public int logEntriesInMemory() {
    return logEntriesInMemory;
  }

  /** The value set by {@link Builder#maxPendingBytes}, or its default. */
  public long maxPendingBytes() {
    return maxPendingBytes;
  }

  /** The value set by {@link Builder#snapshotThreshold}, or its default. */
  public int snapshotThreshold() {
    return snapshotThreshold;
  }

  /** The value set by {@link Builder#logHistory}, or its default. */
  public int logHistory() {
    return logHistory;
  }

  /** The value set by {@link Builder#catchUpRounds}, or its default. */
  public int catchUpRounds() {
    return catchUpRounds;
  }

  /** fluree/raft's name for {@link #logEntriesInMemory()}. */
  public int entryCacheSize() {
    return logEntriesInMemory;
  }

  /** The value set by {@link Builder#closeHook}, or its default. */
  public Optional<Runnable> closeHook() {
    return Optional.ofNullable(closeHook);
  }

  /** The scheduler of the event loop and timers; empty means the node creates its own. */
  public Optional<Scheduler> scheduler() {
    return Optional.ofNullable(scheduler);
  }

  /** The scheduler of state machine applies; empty means the node creates its own. */
  public Optional<Scheduler> applyScheduler() {
    return Optional.ofNullable(applyScheduler);
  }

  /** Where blocking snapshot IO runs; empty means Reactor's bounded elastic scheduler. */
  public Optional<Scheduler> ioScheduler() {
    return Optional.ofNullable(ioScheduler);
  }

  /** How results are kept in snapshots for client sessions; empty means they are not. */
  public Optional<Codec<R>> resultCodec() {
    return Optional.ofNullable(resultCodec);
  }

  /** Whether an empty node may vote and campaign (the first start of a new cluster). */
  public boolean bootstrap() {
    return bootstrap;
  }

  /** The seed of the election timeout randomisation; empty means an unpredictable seed. */
  public Optional<Long> randomSeed() {
    return Optional.ofNullable(randomSeed);
  }

  /**
   * Builds a {@link RaftConfig}. Not thread-safe.
   *
   * @param <C> command type
   * @param <R> result type
   */
  public static final class Builder<C, R> {
    private final List<Member> members = new ArrayList<>();
    private String selfId;
    private Transport transport;
    private LogStore logStore;
    private SnapshotStore snapshotStore;
    private long snapshotThresholdBytes = 256L << 20;
    private int snapshotChunkBytes = 1 << 20;
    private StateMachine<C, R> stateMachine;
    private Codec<C> codec;
    private Consumer<LeaderChange> leaderChangeListener;
    private Duration tickInterval = Duration.ofMillis(10);
    private Duration heartbeatInterval = Duration.ofMillis(100);
    private Duration electionTimeout = Duration.ofMillis(500);
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private int maxEntriesPerAppend = 50;
    private int maxAppendBytes = 1 << 20;
    private int maxInflightAppends = 16;
    private Duration defaultCommandTimeout = Duration.ofMillis(4000);
    private int maxPendingCommands = 10_000;
    private int logEntriesInMemory = 8_192;
    private long maxPendingBytes = 64L << 20;
    private int snapshotThreshold = 10_000;
    private int logHistory = 10;
    private int catchUpRounds = 10;
    private Runnable closeHook;
    private Scheduler scheduler;
    private Scheduler applyScheduler;
    private Scheduler ioScheduler;
    private Codec<R> resultCodec;
    private Long randomSeed;
    private boolean bootstrap;
    private Duration sessionTimeout = Duration.ofMinutes(10);
    private boolean leaseReads;
    private double clockDriftBound = 0.1;
    private java.util.function.LongSupplier monotonicClock = System::nanoTime;
    private int maxCommandBytes = 4 << 20;
    private boolean forwardToLeader;

    /**
     * Whether {@code submit} on a follower hands the command to the leader (default off: it fails
     * with {@link NotLeaderException}). The caller is answered by the follower once it applies the
     * entry itself, with its own state machine's (identical) result, so a service can send commands
     * to any node.
     */
    public Builder<C, R> forwardToLeader(boolean forwardToLeader) {
      this.forwardToLeader = forwardToLeader;
      return this;
    }

    /**
     * The largest encoded command accepted by {@code submit} (default 4 MiB); a larger one fails
     * with {@link IllegalArgumentException} before it reaches the log. Commands above the log
     * store's own limit ({@link io.reactiveraft.spi.LogStore#maxPayloadBytes()}: for the mapped
     * log, its segment size less headers) are refused the same way. Keep it below the transport's
     * frame size.
     */
    public Builder<C, R> maxCommandBytes(int maxCommandBytes) {
      this.maxCommandBytes = maxCommandBytes;
      return this;
    }

    /**
     * The monotonic clock (nanos) that times leases (default {@code System::nanoTime}); tests on
     * virtual time pass the virtual clock.
     */
    public Builder<C, R> monotonicClock(java.util.function.LongSupplier monotonicClock) {
      this.monotonicClock = java.util.Objects.requireNonNull(monotonicClock, "monotonicClock");
      return this;
    }

    private Builder() {}

    /**
     * Whether a leader answers reads from its lease, without a round of heartbeats (default off).
     * Safe only while clocks run at rates within {@link #clockDriftBound} of each other, and only
     * with check-quorum on.
     */
    public Builder<C, R> leaseReads(boolean leaseReads) {
      this.leaseReads = leaseReads;
      return this;
    }

    /**
     * The most two clocks may differ in rate, as a fraction (default 0.1): the lease is the
     * election timeout shortened by this much. In [0, 0.5).
     */
    public Builder<C, R> clockDriftBound(double clockDriftBound) {
      this.clockDriftBound = clockDriftBound;
      return this;
    }

    /**
     * How long a client session is remembered without a command (default 10 min). Measured in log
     * time: the leaders' clocks as recorded in session commands, so every node expires a session at
     * the same point of the log.
     */
    public Builder<C, R> sessionTimeout(Duration sessionTimeout) {
      this.sessionTimeout = sessionTimeout;
      return this;
    }

    /** The voting members of the cluster, this node included. Required; ids unique. */
    public Builder<C, R> members(List<Member> members) {
      this.members.clear();
      this.members.addAll(Objects.requireNonNull(members, "members"));
      return this;
    }

    /** Which of the members this node is. Required. */
    public Builder<C, R> self(String selfId) {
      this.selfId = selfId;
      return this;
    }

    /** How this node reaches its peers. Required; one instance per node. */
    public Builder<C, R> transport(Transport transport) {
      this.transport = transport;
      return this;
    }

    /**
     * Where this node keeps its log, term and vote, and the commit index it applies up to when it
     * restarts. Required; one instance per node.
     */
    public Builder<C, R> logStore(LogStore logStore) {
      this.logStore = logStore;
      return this;
    }

    /** The replicated state. Required. */
    public Builder<C, R> stateMachine(StateMachine<C, R> stateMachine) {
      this.stateMachine = stateMachine;
      return this;
    }

    /** How commands become log bytes. Required. */
    public Builder<C, R> codec(Codec<C> codec) {
      this.codec = codec;
      return this;
    }

    /**
     * Called with each leadership change, on the apply scheduler (fluree/raft's leader-change-fn).
     * An exception it throws is logged, and it still hears the next change. Optional; {@link
     * RaftNode#leaderChanges()} is the reactive form.
     */
    public Builder<C, R> leaderChangeListener(Consumer<LeaderChange> listener) {
      this.leaderChangeListener = listener;
      return this;
    }

    /**
     * The resolution of the node's timers (default 10 ms). Heartbeat and election timeouts are
     * whole numbers of ticks; must be at most the heartbeat interval.
     */
    public Builder<C, R> tickInterval(Duration tickInterval) {
      this.tickInterval = tickInterval;
      return this;
    }

    /** How often a leader heartbeats idle followers (default 100 ms). */
    public Builder<C, R> heartbeatInterval(Duration heartbeatInterval) {
      this.heartbeatInterval = heartbeatInterval;
      return this;
    }

    /**
     * The base election timeout T (default 500 ms); each wait is drawn from [T, 2T). Must be at
     * least twice the heartbeat interval so one lost heartbeat does not start an election.
     */
    public Builder<C, R> electionTimeout(Duration electionTimeout) {
      this.electionTimeout = electionTimeout;
      return this;
    }

    /**
     * Whether a node asks for pre-votes before raising its term (default on; thesis 9.6). With it,
     * a node rejoining from a partition cannot force the leader to step down.
     */
    public Builder<C, R> preVote(boolean preVote) {
      this.preVote = preVote;
      return this;
    }

    /**
     * Whether a leader that has not heard from a majority for an election timeout steps down, and
     * whether followers that hear a leader ignore vote requests (default on; thesis 6.2, 4.2.3).
     */
    public Builder<C, R> checkQuorum(boolean checkQuorum) {
      this.checkQuorum = checkQuorum;
      return this;
    }

    /** The most entries in one AppendEntries (default 50, as fluree/raft). */
    public Builder<C, R> maxEntriesPerAppend(int maxEntriesPerAppend) {
      this.maxEntriesPerAppend = maxEntriesPerAppend;
      return this;
    }

    /**
     * The most payload bytes in one AppendEntries (default 1 MiB). A single larger entry still
     * travels alone.
     */
    public Builder<C, R> maxAppendBytes(int maxAppendBytes) {
      this.maxAppendBytes = maxAppendBytes;
      return this;
    }

    /**
     * The most AppendEntries carrying entries in flight to one follower (default 16): the
     * pipelining window. Heartbeats are never held back by it.
     */
    public Builder<C, R> maxInflightAppends(int maxInflightAppends) {
      this.maxInflightAppends = maxInflightAppends;
      return this;
    }

    /**
     * The timeout of {@link RaftNode#submit} and {@link RaftNode#read} calls that name none
     * (default 4000 ms, as fluree/raft).
     */
    public Builder<C, R> defaultCommandTimeout(Duration defaultCommandTimeout) {
      this.defaultCommandTimeout = defaultCommandTimeout;
      return this;
    }

    /**
     * The most commands submitted and not yet completed (default 10,000); beyond it {@code submit}
     * fails fast with {@link OverloadedException} instead of queueing without bound. Reads have a
     * bound of their own of the same size: beyond it {@code read} fails the same way.
     */
    public Builder<C, R> maxPendingCommands(int maxPendingCommands) {
      this.maxPendingCommands = maxPendingCommands;
      return this;
    }

    /**
     * How many of the latest log entries the node keeps in memory (default 8,192; it may briefly
     * hold half again as many). Older entries stay in the log store and are read back when a
     * lagging follower or the state machine needs them, so the heap does not grow with the log,
     * even without snapshots. Terms and configuration entries are always known without reading.
     * Committed entries waiting for a state machine slower than the cluster are bounded too, at
     * twice this count: beyond it they stay in the store until the state machine catches up.
     */
    public Builder<C, R> logEntriesInMemory(int logEntriesInMemory) {
      this.logEntriesInMemory = logEntriesInMemory;
      return this;
    }

    /** The most encoded bytes of pending commands (default 64 MiB); see maxPendingCommands. */
    public Builder<C, R> maxPendingBytes(long maxPendingBytes) {
      this.maxPendingBytes = maxPendingBytes;
      return this;
    }

    /**
     * Where snapshots are kept (default none: the node never snapshots and keeps its whole log).
     * The usual choice is {@code FileSnapshotStore} in a directory beside the log. Snapshots need a
     * state machine that implements {@link StateMachine#snapshot()}.
     */
    public Builder<C, R> snapshotStore(SnapshotStore snapshotStore) {
      this.snapshotStore = snapshotStore;
      return this;
    }

    /**
     * A snapshot is also taken once this many bytes of commands were applied since the last one
     * (default 256 MiB), whichever threshold comes first.
     */
    public Builder<C, R> snapshotThresholdBytes(long snapshotThresholdBytes) {
      this.snapshotThresholdBytes = snapshotThresholdBytes;
      return this;
    }

    /**
     * Bytes per chunk when a snapshot is sent to a follower (default 1 MiB). One chunk per follower
     * is in flight at a time, which bounds the memory a transfer takes at either end. At most 4
     * MiB, so a chunk always fits the RSocket transport's default 8 MiB frame limit.
     */
    public Builder<C, R> snapshotChunkBytes(int snapshotChunkBytes) {
      this.snapshotChunkBytes = snapshotChunkBytes;
      return this;
    }

    /**
     * Entries applied between snapshots (default 10,000; fluree/raft's 100 would snapshot several
     * hundred times a second under load). Needs a {@link #snapshotStore}.
     */
    public Builder<C, R> snapshotThreshold(int snapshotThreshold) {
      this.snapshotThreshold = snapshotThreshold;
      return this;
    }

    /**
     * Snapshots kept, the newest included (default 10, as fluree/raft; at least 2). The log is
     * compacted only up to the previous snapshot, so a node whose newest snapshot turns out damaged
     * can restart from that one and replay the log after it. A snapshot being sent to a follower is
     * kept beyond this, with those taken since (up to twice this many in all), until a minute after
     * its last chunk was read, so that its transfer need not start over with a newer one.
     */
    public Builder<C, R> logHistory(int logHistory) {
      this.logHistory = logHistory;
      return this;
    }

    /**
     * Rounds a new member gets to catch up before it may vote (default 10, as fluree/raft). A round
     * ends when the learner holds what the leader's log held when the round began, or after 10
     * election timeouts (longer while a snapshot to it is still moving). A round that ended within
     * one election timeout promotes the learner; one that did not, after the last round, removes it
     * again and fails {@code addServer}.
     */
    public Builder<C, R> catchUpRounds(int catchUpRounds) {
      this.catchUpRounds = catchUpRounds;
      return this;
    }

    /**
     * fluree/raft's name for {@link #logEntriesInMemory}: how many of the latest log entries stay
     * in memory. Sets the same value, which must be at least 1 (fluree's 0 has no equivalent).
     */
    public Builder<C, R> entryCacheSize(int entryCacheSize) {
      return logEntriesInMemory(entryCacheSize);
    }

    /**
     * Runs once the node has stopped (fluree/raft's close-fn), when no apply, query or snapshot
     * image is running or will run: the place to release what the state machine uses. The close
     * waits up to 10 s for one under way; a transport that lent the node its loop closes after the
     * hook. Optional.
     */
    public Builder<C, R> closeHook(Runnable closeHook) {
      this.closeHook = closeHook;
      return this;
    }

    /**
     * The scheduler of the event loop and timers (fluree/raft's event channel). The node uses two
     * workers of it: one runs the loop, which stays serial, the other fires its ticks. Default: the
     * transport's IO thread when the transport lends one ({@link
     * io.reactiveraft.spi.Transport#eventLoop}; the RSocket transport does with one IO thread, its
     * default), which spares every message two thread hand-offs; else a new single-thread
     * scheduler, disposed on close. A scheduler given here belongs to the caller and is not
     * disposed. Tests pass a VirtualTimeScheduler.
     */
    public Builder<C, R> scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /**
     * The scheduler on which the state machine applies and results are delivered, through one
     * worker of it; the {@link #leaderChangeListener} is called on it too. Default: a new
     * single-thread scheduler, disposed on close. Given the same single-thread scheduler as {@link
     * #scheduler}, applies run on the loop's thread: one thread hand-off less per commit, but a
     * slow apply then delays heartbeats.
     */
    public Builder<C, R> applyScheduler(Scheduler applyScheduler) {
      this.applyScheduler = applyScheduler;
      return this;
    }

    /**
     * The scheduler for blocking snapshot IO: writing snapshots, reading chunks for followers,
     * storing chunks from a leader. The node uses one worker of it. Default: Reactor's bounded
     * elastic scheduler.
     */
    public Builder<C, R> ioScheduler(Scheduler ioScheduler) {
      this.ioScheduler = ioScheduler;
      return this;
    }

    /**
     * Encodes results for snapshots (default none). A snapshot keeps each client session's last
     * sequence number; with a result codec it also keeps that command's result, so a command resent
     * after the node restarted from a snapshot is answered with its first result. Without one, such
     * a resend fails with an {@link IllegalStateException} saying that the command was applied but
     * its result was not kept.
     */
    public Builder<C, R> resultCodec(Codec<R> resultCodec) {
      this.resultCodec = resultCodec;
      return this;
    }

    /**
     * Whether this node, when its log is empty, may vote and campaign (default false): set it on
     * the first start of a new cluster. A node joining an existing cluster must not: it waits until
     * a leader has brought it its first entries. A voter whose disk was wiped must be removed and
     * added back: it has forgotten its votes and entries a majority counted on, and waiting for its
     * first entry does not make up for them. Ignored once the node holds data.
     */
    public Builder<C, R> bootstrap(boolean bootstrap) {
      this.bootstrap = bootstrap;
      return this;
    }

    /** Seeds the election timeout randomisation, for reproducible runs. Optional. */
    public Builder<C, R> randomSeed(long randomSeed) {
      this.randomSeed = randomSeed;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the first invalid field and its rule
     */
    public RaftConfig<C, R> build() {
      require(!members.isEmpty(), "members", "must list at least one member");
      Set<String> ids = new HashSet<>();
      Set<String> addresses = new HashSet<>();
      for (Member m : members) {
        require(m != null, "members", "must not contain null");
        require(ids.add(m.id()), "members", "ids must be unique, " + m.id() + " repeats");
        require(
            addresses.add(m.address()),
            "members",
            "addresses must be unique, " + m.address() + " repeats");
      }
      require(selfId != null, "self", "is required");
      require(ids.contains(selfId), "self", "must be one of the members, " + selfId + " is not");
      require(transport != null, "transport", "is required");
      require(logStore != null, "logStore", "is required");
      require(stateMachine != null, "stateMachine", "is required");
      require(codec != null, "codec", "is required");
      positive(tickInterval, "tickInterval");
      positive(heartbeatInterval, "heartbeatInterval");
      positive(electionTimeout, "electionTimeout");
      positive(defaultCommandTimeout, "defaultCommandTimeout");
      positive(sessionTimeout, "sessionTimeout");
      // Bounds that keep every conversion to ticks, nanos and millis exact, and the ticker from
      // spinning.
      require(
          tickInterval.compareTo(Duration.ofMillis(1)) >= 0,
          "tickInterval",
          "must be at least 1 ms, was " + tickInterval);
      require(
          electionTimeout.compareTo(Duration.ofHours(1)) <= 0,
          "electionTimeout",
          "must be at most 1 hour, was " + electionTimeout);
      require(
          heartbeatInterval.compareTo(Duration.ofHours(1)) <= 0,
          "heartbeatInterval",
          "must be at most 1 hour, was " + heartbeatInterval);
      require(
          sessionTimeout.compareTo(Duration.ofMillis(1)) >= 0
              && sessionTimeout.compareTo(Duration.ofDays(365 * 100)) <= 0,
          "sessionTimeout",
          "must be in [1 ms, 100 years], was " + sessionTimeout);
      require(
          clockDriftBound >= 0 && clockDriftBound < 0.5,
          "clockDriftBound",
          "must be in [0, 0.5), was " + clockDriftBound);
      require(!leaseReads || checkQuorum, "leaseReads", "needs checkQuorum on");
      require(
          tickInterval.compareTo(heartbeatInterval) <= 0,
          "tickInterval",
          "must not exceed heartbeatInterval (" + heartbeatInterval.toMillis() + " ms)");
      require(
          electionTimeout.compareTo(heartbeatInterval.multipliedBy(2)) >= 0,
          "electionTimeout",
          "must be at least twice heartbeatInterval ("
              + heartbeatInterval.toMillis()
              + " ms), was "
              + electionTimeout.toMillis()
              + " ms");
      require(maxEntriesPerAppend >= 1, "maxEntriesPerAppend", "must be >= 1");
      require(maxAppendBytes >= 1024, "maxAppendBytes", "must be >= 1024");
      require(maxInflightAppends >= 1, "maxInflightAppends", "must be >= 1");
      require(
          maxCommandBytes >= 1 && maxCommandBytes <= 1 << 30,
          "maxCommandBytes",
          "must be in [1, 1 GiB], was " + maxCommandBytes);
      require(maxPendingCommands >= 1, "maxPendingCommands", "must be >= 1");
      require(logEntriesInMemory >= 1, "logEntriesInMemory", "must be >= 1");
      require(maxPendingBytes >= 1024, "maxPendingBytes", "must be >= 1024");
      require(
          maxPendingBytes >= maxCommandBytes,
          "maxPendingBytes",
          "must be at least maxCommandBytes ("
              + maxCommandBytes
              + "), or a command that large could never be pending; was "
              + maxPendingBytes);
      require(snapshotThreshold >= 1, "snapshotThreshold", "must be >= 1");
      require(
          logHistory >= 2,
          "logHistory",
          "must be >= 2: the log is kept back to the previous snapshot, and a node whose newest"
              + " snapshot is damaged restarts from that one");
      require(snapshotThresholdBytes >= 1, "snapshotThresholdBytes", "must be >= 1");
      require(
          snapshotChunkBytes >= 1024 && snapshotChunkBytes <= 4 << 20,
          "snapshotChunkBytes",
          "must be in [1 KiB, 4 MiB], was " + snapshotChunkBytes);
      require(catchUpRounds >= 1, "catchUpRounds", "must be >= 1");
      return new RaftConfig<>(this);
    }

    private static void positive(Duration d, String field) {
      require(d != null, field, "is required");
      require(!d.isNegative() && !d.isZero(), field, "must be positive, was " + d);
    }

    private static void require(boolean ok, String field, String rule) {
      if (!ok) {
        throw new IllegalArgumentException("invalid RaftConfig." + field + ": " + rule);
      }
    }
  }
}
