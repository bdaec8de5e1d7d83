package io.reactiveraft.node;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.InvalidCommandException;
import io.reactiveraft.LeaderChange;
import io.reactiveraft.LeadershipLostException;
import io.reactiveraft.Member;
import io.reactiveraft.MembershipChange;
import io.reactiveraft.NodeClosedException;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.RaftNode;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.Role;
import io.reactiveraft.core.Action;
import io.reactiveraft.core.RaftCore;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link RaftNode} driven by one serialized event loop (see the package documentation): inputs
 * from timers, the transport, callers and the log store are merged into batches, fed to the pure
 * {@link RaftCore}, and the core's actions are performed in order.
 *
 * @param <C> command type
 * @param <R> result type
 */
final class ReactiveRaftNode<C, R> implements RaftNode<C, R> {

  private static final Logger log = LoggerFactory.getLogger(ReactiveRaftNode.class);

  private final RaftConfig<C, R> config;
  private final String id;
  private final RaftCore core;
  private final LogStore store;
  private final LogPersistence persistence;

  /** The largest payload {@code submit} accepts. */
  private final PayloadLimit payloadLimit;

  private final ForwardedCommandIntake forwarded;

  private final Transport transport;
  private final NodeSchedulers schedulers;
  private final EventLoop loop;
  private final PendingRequests<R> pending;
  private final Applier<C, R> applier;
  private final Snapshotter<C, R> snapshotter;
  private final Sinks.Many<LeaderChange> leaderChanges = Sinks.many().replay().latest();
  private final Sinks.Many<RaftEvent> events = Sinks.many().multicast().directBestEffort();
  private final Sinks.Empty<Void> closed = Sinks.empty();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final WaitingCallers<C, R> callers;

  /** Set on the loop when the node stops; inputs after it are ignored. */
  private boolean stopped;

  /** Loop only: why the node stopped; null for an orderly close. */
  private Throwable stopCause;

  /** The configuration in force; event loop only. */
  private ClusterConfiguration configuration;

  /** Every member seen in any configuration, to reach a departing leader. Event loop only. */
  private final List<Member> lastKnownMembers = new ArrayList<>();

  /** The next tick's task; disposing it stops the ticks (a later one is disposed as it comes). */
  private final Disposable.Swap ticker = Disposables.swap();

  private final long tickNanos;

  /**
   * Subscriptions made by {@link #start} on the caller's thread and disposed by a stop on the loop,
   * which may come first (a transport that fails at once): a Swap disposes what arrives after.
   */
  private final Disposable.Swap inbound = Disposables.swap();

  private final Disposable.Swap listener = Disposables.swap();

  /**
   * @param sessions the session table, restored from the core's snapshot if it has one, as the
   *     state machine was
   * @param firstRequestId where this start's request ids begin: drawn anew at each start
   */
  ReactiveRaftNode(
      RaftConfig<C, R> config,
      RaftCore core,
      NodeSchedulers schedulers,
      SessionTable<R> sessions,
      long firstRequestId) {
    this.config = config;
    this.id = config.selfId();
    this.core = core;
    this.store = config.logStore();
    this.payloadLimit = PayloadLimit.of(store, config.maxCommandBytes());
    this.transport = config.transport();
    this.tickNanos = config.tickInterval().toNanos();
    this.schedulers = schedulers;
    this.forwarded =
        new ForwardedCommandIntake(
            id, payloadLimit, () -> schedulers.timerScheduler().now(TimeUnit.MILLISECONDS));
    this.pending =
        new PendingRequests<>(
            id, config.maxPendingCommands(), config.maxPendingBytes(), firstRequestId);
    this.loop = new EventLoop(schedulers.loopWorker(), this::runBatch);
    this.persistence = new LogPersistence(store, loop::offer, this::stopFromAnyThread);
    this.callers =
        new WaitingCallers<>(
            id,
            closing::get,
            config.stateMachine()::query,
            firstRequestId,
            config.maxPendingCommands());
    this.configuration = core.configuration();
    // The members it was given, and those of the configuration its log holds, which may have
    // gained members since it was first started with that list.
    this.lastKnownMembers.addAll(config.members());
    learnMembersOf(configuration);
    SnapshotMeta base = core.snapshot();
    this.snapshotter =
        new Snapshotter<>(
            config,
            sessions,
            schedulers.ioWorker(),
            schedulers.applyWorker(),
            base == null ? 0 : base.index(),
            loop::offer,
            this::stopFromAnyThread);
    this.applier =
        new Applier<>(
            schedulers.applyWorker(),
            config.stateMachine(),
            config.codec(),
            pending,
            sessions,
            snapshotter,
            // The snapshot restored: the log's entries after it apply from here, those a
            // recorded commit index covers in the first batches.
            base == null ? 0 : base.index(),
            base == null ? 0 : base.term(),
            // What is in force at the applied index: not the log's latest configuration, which
            // may lie beyond it, uncommitted.
            base == null
                ? new ClusterConfiguration(config.members(), List.of())
                : base.configuration(),
            this::stopFromAnyThread);
  }

  /** Starts timers and the transport. Called once by {@link ReactiveRaft}. */
  void start() {
    config
        .leaderChangeListener()
        .ifPresent(
            l ->
                listener.update(
                    leaderChanges
                        .asFlux()
                        .publishOn(schedulers.applyScheduler())
                        .subscribe(change -> tell(l, change))));
    inbound.update(
        transport
            .start(config.self(), lastKnownPeers())
            .subscribe(
                m -> {
                  RaftMessage admitted = forwarded.admit(m);
                  if (admitted != null) {
                    loop.offer(new RaftEvent.MessageReceived(admitted));
                  }
                },
                e -> loop.offer((Runnable) () -> stop(e))));
    scheduleTick();
  }

  /**
   * Ticks are scheduled one at a time, each a tick interval after the last one ran, not at a fixed
   * rate: after a stall of the loop's thread (a long collection, say), a fixed rate runs every
   * missed tick back to back, and a follower would count an election timeout's worth of ticks in an
   * instant, right after hearing from its leader, and so stop honouring the leader's lease early.
   * Late ticks only make timeouts longer, which costs some availability and never safety.
   */
  private void scheduleTick() {
    try {
      ticker.replace( // the task replaced is the one running now: not to be disposed
          schedulers
              .timerWorker()
              .schedule(
                  () -> {
                    loop.offer(RaftEvent.Tick.INSTANCE);
                    scheduleTick();
                  },
                  tickNanos,
                  TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException e) {
      // The node stopped and its timer worker with it: no more ticks. Anything else took the
      // loop's thread away under a running node (a lent transport thread, closed first).
      if (!closing.get()) {
        log.error("node {}: its event loop's thread is gone; it no longer ticks", id, e);
      }
    }
  }

  /** One listener that throws must not unsubscribe itself from every later change. */
  private static void tell(Consumer<LeaderChange> listener, LeaderChange change) {
    try {
      listener.accept(change);
    } catch (RuntimeException e) {
      log.warn("the leader change listener threw on {}; it keeps listening", change, e);
    }
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Mono<R> submit(C command) {
    return submit(command, config.defaultCommandTimeout());
  }

  @Override
  public Mono<R> submit(C command, String clientId, long sequence) {
    return submit(command, clientId, sequence, config.defaultCommandTimeout());
  }

  @Override
  public Mono<R> submit(C command, String clientId, long sequence, Duration timeout) {
    if (clientId == null || clientId.isEmpty()) {
      return Mono.error(new InvalidCommandException("clientId must not be empty"));
    }
    if (clientId.length() > SessionTable.MAX_CLIENT_ID_CHARS) {
      return Mono.error(
          new InvalidCommandException(
              "clientId of "
                  + clientId.length()
                  + " characters; at most "
                  + SessionTable.MAX_CLIENT_ID_CHARS));
    }
    if (sequence < 1) {
      return Mono.error(new InvalidCommandException("sequence starts at 1: " + sequence));
    }
    return propose(
        command,
        timeout,
        EntryType.SESSION_COMMAND,
        bytes ->
            new SessionCommand(
                    clientId,
                    sequence,
                    schedulers.timerScheduler().now(TimeUnit.MILLISECONDS),
                    bytes)
                .encode());
  }

  @Override
  public Mono<R> submit(C command, Duration timeout) {
    return propose(command, timeout, EntryType.COMMAND, bytes -> bytes);
  }

  private Mono<R> propose(C command, Duration timeout, EntryType type, UnaryOperator<byte[]> wrap) {
    if (command == null) {
      return Mono.error(new InvalidCommandException("command must not be null"));
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      return Mono.error(new InvalidCommandException("timeout must be positive: " + timeout));
    }
    return Mono.defer(
        () -> {
          if (closing.get()) {
            return Mono.error(NodeClosedException.rejected(id, null));
          }
          byte[] encoded;
          try {
            encoded = config.codec().encode(command);
          } catch (RuntimeException e) {
            return Mono.error(
                new InvalidCommandException("the codec refused the command: " + e.getMessage(), e));
          }
          byte[] payload = wrap.apply(encoded);
          if (payloadLimit.exceededBy(payload.length)) {
            return Mono.error(
                new InvalidCommandException(
                    "command of "
                        + payload.length
                        + " bytes exceeds "
                        + payloadLimit.description()));
          }
          CommandRequest<R> request = pending.reserve(payload.length, nowNanos(), timeout);
          loop.offer(new Proposal<>(request, type, payload));
          return request;
        });
  }

  @Override
  public Flux<LeaderChange> leaderChanges() {
    return leaderChanges.asFlux();
  }

  @Override
  public Mono<Long> snapshot() {
    return Mono.defer(
        () -> {
          if (closing.get()) {
            return Mono.error(NodeClosedException.rejected(id, null));
          }
          return callers.snapshot(applier::snapshotNow);
        });
  }

  @Override
  public Mono<RaftStatus> status() {
    return Mono.defer(
        () -> {
          if (closing.get()) {
            return Mono.error(NodeClosedException.rejected(id, null));
          }
          Sinks.One<RaftStatus> result = Sinks.one();
          loop.offer(
              (Runnable)
                  () -> {
                    if (stopped) {
                      CallerSignals.error(result, NodeClosedException.rejected(id, null));
                    } else {
                      CallerSignals.value(
                          result, core.status(applier.lastApplied(), snapshotter.held()));
                    }
                  });
          return result.asMono();
        });
  }

  @Override
  public Mono<Void> addServer(Member member) {
    return change(member == null ? null : new MembershipChange.AddServer(member));
  }

  @Override
  public Mono<Void> addLearner(Member member) {
    return change(member == null ? null : new MembershipChange.AddLearner(member));
  }

  @Override
  public Mono<Void> removeServer(String memberId) {
    return change(memberId == null ? null : new MembershipChange.RemoveServer(memberId));
  }

  @Override
  public Mono<Void> transferLeadership(String memberId) {
    return change(memberId == null ? null : new MembershipChange.TransferLeadership(memberId));
  }

  private Mono<Void> change(MembershipChange change) {
    if (change == null) {
      return Mono.error(new IllegalArgumentException("member must not be null"));
    }
    return Mono.defer(
        () -> {
          if (closing.get()) {
            return Mono.error(NodeClosedException.rejected(id, null));
          }
          return callers.change(
              requestId -> loop.offer(new RaftEvent.ChangeRequested(requestId, change)));
        });
  }

  @Override
  public Mono<R> read(C query) {
    return read(query, config.defaultCommandTimeout());
  }

  @Override
  public Mono<R> read(C query, Duration timeout) {
    if (query == null) {
      return Mono.error(new IllegalArgumentException("query must not be null"));
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      return Mono.error(new IllegalArgumentException("timeout must be positive: " + timeout));
    }
    return Mono.defer(
        () -> {
          if (closing.get()) {
            return Mono.error(NodeClosedException.rejected(id, null));
          }
          return callers.read(
              query,
              timeout,
              Deadlines.after(nowNanos(), timeout),
              requestId -> loop.offer(new RaftEvent.ReadRequested(requestId)));
        });
  }

  @Override
  public Flux<RaftEvent> events() {
    return events.asFlux();
  }

  @Override
  public Mono<Void> close() {
    // The applier first (a flag): whoever sees the node closing knows nothing more will apply.
    applier.stop();
    if (closing.compareAndSet(false, true)) {
      loop.offer((Runnable) () -> stop(null));
    }
    return closed.asMono();
  }

  // ------------------------------------------------------------------ the loop

  /** A proposal on its way into the loop; the core sees only its payload. */
  private record Proposal<R>(CommandRequest<R> request, EntryType type, byte[] payload) {}

  private void runBatch(List<Object> batch) {
    long applied = applier.lastApplied();
    try {
      core.observeClock(config.monotonicClock().getAsLong());
      core.observeApplied(applied);
    } catch (RuntimeException | Error e) {
      stopAfter(e);
    }
    // Each input on its own: one that breaks the node stops it, and the inputs after it are still
    // taken, as inputs of a stopped node, so that no caller among them is left unanswered.
    for (Object input : batch) {
      try {
        take(input);
      } catch (RuntimeException | Error e) {
        stopAfter(e);
      }
    }
    if (!stopped) {
      try {
        perform(core.flush());
        persistence.saveCommitIndex(core.commitIndex(), core.log().lastIndex());
      } catch (RuntimeException | Error e) {
        stopAfter(e);
      }
    }
    if (!stopped && core.applyHeldBack()) {
      applier.wakeWhenPast(applied, this::wakeLoop);
    }
  }

  /** An empty input: the batch it starts hands the applier what the core held back. */
  private void wakeLoop() {
    loop.offer((Runnable) () -> {});
  }

  private void take(Object input) {
    if (input instanceof Runnable task) {
      task.run(); // queries and stop requests answer even on a stopped node
    } else if (input instanceof Proposal<?> proposal) {
      @SuppressWarnings("unchecked")
      CommandRequest<R> request = (CommandRequest<R>) proposal.request();
      if (stopped) {
        pending.fail(request, NodeClosedException.rejected(id, stopCause));
      } else {
        pending.proposed(request);
        handle(new RaftEvent.CommandProposed(request.id(), proposal.type(), proposal.payload()));
      }
    } else if (input instanceof RaftEvent event && !stopped) {
      handle(event);
      if (event instanceof RaftEvent.Tick) {
        pending.expire(nowNanos(), core::commandAbandoned);
        callers.expireReads(nowNanos(), core::readAbandoned);
      }
    }
  }

  /** A broken invariant or a failed write: stop rather than risk acknowledging anything. */
  private void stopAfter(Throwable e) {
    if (stopped) {
      log.warn("node {}: error while stopping", id, e);
    } else {
      stop(e);
    }
  }

  private long nowNanos() {
    return schedulers.timerScheduler().now(TimeUnit.NANOSECONDS);
  }

  private void handle(RaftEvent event) {
    core.handle(event);
    if (events.currentSubscriberCount() > 0) {
      CallerSignals.next(events, event);
    }
  }

  private void perform(List<Action> actions) {
    for (Action action : actions) {
      if (action instanceof Action.Send send) {
        sendQuietly(send);
      } else if (action instanceof Action.PersistHardState persist) {
        persistence.saveHardState(persist.state());
      } else if (action instanceof Action.TruncateLog truncate) {
        persistence.truncateSuffix(truncate.fromIndex());
      } else if (action instanceof Action.CompactLog compact) {
        persistence.discardPrefix(compact.upToIndex());
      } else if (action instanceof Action.SendSnapshotChunk chunk) {
        // Read on the IO worker, sent from the loop: the transport is called from the loop only,
        // and a chunk of a term this node has left by then is not sent.
        snapshotter
            .transfers()
            .sendChunk(
                chunk.to(),
                chunk.term(),
                chunk.snapshot(),
                chunk.offset(),
                chunk.length(),
                chunk.recheck(),
                message -> loop.offer((Runnable) () -> sendChunkRead(message)));
      } else if (action instanceof Action.StoreSnapshotChunk chunk) {
        snapshotter.storeChunk(chunk.chunk());
      } else if (action instanceof Action.DiscardSnapshotChunks) {
        snapshotter.discardIncoming();
      } else if (action instanceof Action.RestoreSnapshot restore) {
        applier.restore(restore.snapshot());
      } else if (action instanceof Action.AppendLog append) {
        persistence.appendAndFlush(append);
      } else if (action instanceof Action.ApplyEntries apply) {
        applier.apply(apply.entries(), pending.handOver());
      } else if (action instanceof Action.ProposalAccepted accepted) {
        pending.accepted(accepted.requestId(), accepted.index(), accepted.term());
      } else if (action instanceof Action.ProposalRejected rejected) {
        pending.rejected(rejected.requestId(), withAddress(rejected.error()));
      } else if (action instanceof Action.ReadReady ready) {
        Runnable answer = callers.readReady(ready.requestId());
        if (answer != null) {
          applier.whenApplied(ready.readIndex(), answer);
        }
      } else if (action instanceof Action.ReadFailed failed) {
        callers.readFailed(failed.requestId(), withAddress(failed.error()));
      } else if (action instanceof Action.LeaderChanged changed) {
        onLeaderChanged(changed);
      } else if (action instanceof Action.ConfigurationChanged changed) {
        configuration = changed.configuration();
        updatePeers();
      } else if (action instanceof Action.ChangeCompleted completed) {
        callers.changeCompleted(completed.requestId());
      } else if (action instanceof Action.ChangeFailed failed) {
        callers.changeFailed(failed.requestId(), failed.error());
      }
    }
  }

  private void sendQuietly(Action.Send send) {
    try {
      transport.send(send.message());
    } catch (RuntimeException e) {
      // Raft survives lost messages; a transport that refuses one must not stop the node.
      log.debug("node {} could not send {}: {}", id, send.message().getClass().getSimpleName(), e);
    }
  }

  private void onLeaderChanged(Action.LeaderChanged changed) {
    LeaderChange change = changed.change();
    log.info(
        "node {} term {}: {} (leader {} -> {}; {})",
        id,
        change.term(),
        change.kind(),
        change.previousLeader(),
        change.leader(),
        change.cause());
    if (change.kind() == LeaderChange.Kind.STEPPED_DOWN) {
      pending.failAbove(
          changed.commitIndex(), index -> new LeadershipLostException(id, index, change.term()));
    }
    CallerSignals.next(leaderChanges, change);
  }

  /** The core names the leader; the node adds its address, which callers need to retry. */
  private RuntimeException withAddress(RuntimeException error) {
    if (error instanceof NotLeaderException nl
        && nl.leaderId().isPresent()
        && nl.leaderAddress().isEmpty()) {
      String leader = nl.leaderId().get();
      String address = core.configuration().member(leader).map(Member::address).orElse(null);
      return new NotLeaderException(id, leader, address);
    }
    return error;
  }

  /**
   * The transport talks to every member this node has seen in any configuration, not only to those
   * of its latest one: that one may be stale or about to be overwritten, and a newer
   * configuration's voters may need this node's vote or acknowledgements (thesis 4.1: servers do
   * not consult their configuration to answer RPCs). A leader that removed itself still needs
   * acknowledgements to commit its removal (thesis 4.2.2).
   */
  private void updatePeers() {
    learnMembersOf(configuration);
    transport.updatePeers(lastKnownPeers());
  }

  private void learnMembersOf(ClusterConfiguration c) {
    for (Member m : c.members()) {
      lastKnownMembers.removeIf(k -> k.id().equals(m.id())); // a member may move
      lastKnownMembers.add(m);
    }
  }

  private List<Member> lastKnownPeers() {
    return lastKnownMembers.stream().filter(m -> !m.id().equals(id)).toList();
  }

  private void sendChunkRead(RaftMessage chunk) {
    if (!stopped && core.role() == Role.LEADER && core.term() == chunk.term()) {
      sendQuietly(new Action.Send(chunk));
    }
  }

  /** Stops the node, on the loop. {@code cause} is null for an orderly close. */
  private void stopFromAnyThread(Throwable cause) {
    loop.offer((Runnable) () -> stop(cause));
  }

  private void stop(Throwable cause) {
    if (stopped) {
      return;
    }
    stopped = true;
    stopCause = cause;
    // A flag: queued applies, and the rest of one under way, do nothing from here on. Set before
    // the node shows it is closing, so whoever sees that knows nothing more will apply.
    applier.stop();
    closing.set(true);
    if (cause != null) {
      log.error("node {} stopped after an unrecoverable error", id, cause);
    }
    // Callers next: nothing below may keep them waiting, whatever it throws.
    pending.failAll(() -> NodeClosedException.whilePending(id, cause));
    callers.failAll(cause);
    CallerSignals.complete(leaderChanges);
    if (cause == null) {
      CallerSignals.complete(events);
    } else {
      CallerSignals.error(events, cause);
    }
    quietly("stopping the timer", ticker::dispose);
    quietly("stopping inbound messages", inbound::dispose);
    quietly("closing snapshot IO", snapshotter::close);
    Mono<Void> release =
        Mono.fromRunnable(
            () -> {
              quietly("closing the log store", store::close);
              quietly("stopping the listener", listener::dispose);
            });
    // The transport closes first, unless it lent the node its loop: that thread carries the rest
    // of the close and ends with the transport, which then closes last, timed on a thread that
    // outlives it. Closing the store waits for its writer, which must not hold up the connections
    // on a lent thread meanwhile.
    boolean lent = schedulers.loopFromTransport();
    Mono<Void> transportFirst = lent ? Mono.empty() : closeTransport(schedulers.timerScheduler());
    Mono<Void> transportLast = lent ? closeTransport(Schedulers.parallel()) : Mono.empty();
    transportFirst
        .then(lent ? release.subscribeOn(Schedulers.boundedElastic()) : release)
        .then(schedulers.quiesce(QUIESCE_TIMEOUT))
        .onErrorResume(
            e -> {
              log.warn("node {}: waiting for the apply and snapshot threads failed", id, e);
              return Mono.empty();
            })
        .then(Mono.fromRunnable(this::finishClose))
        .then(transportLast)
        .doFinally(signal -> CallerSignals.empty(closed))
        .subscribe();
  }

  private Mono<Void> closeTransport(Scheduler timer) {
    return Mono.defer(transport::close)
        .onErrorResume(
            e -> {
              log.warn("node {}: closing the transport failed", id, e);
              return Mono.empty();
            })
        .timeout(
            TRANSPORT_CLOSE_TIMEOUT,
            Mono.fromRunnable(
                () ->
                    log.warn(
                        "node {}: the transport did not close within {}; closing without it",
                        id,
                        TRANSPORT_CLOSE_TIMEOUT)),
            timer);
  }

  private void finishClose() {
    // The user's hook: whatever it throws, an Error too, the close still completes.
    config.closeHook().ifPresent(hook -> quietly("running the close hook", hook));
    boolean interrupted = Thread.currentThread().isInterrupted();
    quietly("stopping the node's threads", schedulers::dispose);
    if (!interrupted) {
      // This may be one of the threads just stopped, whose shutdown interrupts it; the caller's
      // continuation of close() runs here next and must not inherit that.
      Thread.interrupted();
    }
    loop.close();
  }

  /** Runs one step of the close; whatever it throws, the close goes on and completes. */
  private void quietly(String what, Runnable step) {
    try {
      step.run();
    } catch (Throwable e) {
      log.warn("node {}: {} failed", id, what, e);
    }
  }

  /**
   * How long a close waits for the transport. Longer than the RSocket transport's own bounds (10 s
   * for its connections, 10 s for its threads), so that its threads end before the node's close
   * completes; a transport that hangs is left behind after it, with a warning.
   */
  private static final Duration TRANSPORT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /** How long a close waits for a running apply or snapshot image before its hook runs anyway. */
  private static final Duration QUIESCE_TIMEOUT = Duration.ofSeconds(10);

  @Override
  public String toString() {
    return "RaftNode[" + id + "]";
  }
}
