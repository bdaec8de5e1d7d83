package io.reactiveraft;

import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One member of a Raft cluster, embedded in the caller's process.
 *
 * <p>Every method is thread-safe and non-blocking. The returned publishers are cold unless stated
 * otherwise: nothing happens until they are subscribed ({@link #close} is the exception).
 *
 * <p>Threads: results of {@link #submit} and {@link #read} are delivered on the node's apply thread
 * (the configured apply scheduler), right after the state machine returns, as are errors that come
 * from the apply ({@link EntryOverwrittenException}, an exception the state machine threw). Other
 * errors are delivered on the event loop, the timer scheduler or the caller's thread, and
 * subscribers of {@link #leaderChanges} and {@link #events} run on the event loop. Subscribers
 * should therefore be quick: one that blocks or takes long should {@code publishOn} another
 * scheduler, or it delays the next applies or the loop's heartbeats (and, when the loop runs on the
 * transport's IO thread, the default with RSocket, the node's network IO). A subscriber that throws
 * is a bug in the caller: the node logs the exception and goes on, so it neither stops the node nor
 * costs later commands their applies.
 *
 * @param <C> command type
 * @param <R> result type
 */
public interface RaftNode<C, R> {

  /** This node's member id. */
  String id();

  /**
   * Proposes a command, and completes with the state machine's result once the command is committed
   * and applied on this node. This node must be the leader, unless {@link
   * RaftConfig.Builder#forwardToLeader} is on: a follower then hands the command to the leader and
   * answers once it has applied the entry itself. Uses the configured default command timeout.
   *
   * <p>Errors: {@link NotLeaderException} (not applied; carries the leader when known), {@link
   * OverloadedException} (not applied), {@link MembershipChangeException} with reason {@code
   * TRANSFER_IN_PROGRESS} while leadership is being handed over (not applied), {@link
   * EntryOverwrittenException} (not applied), {@link CommandTimeoutException} and {@link
   * LeadershipLostException} (outcome unknown), {@link OutcomeUnknownException} for a command
   * forwarded to a leader whose term ended before it said where it put the command, {@link
   * NodeClosedException}, {@link InvalidCommandException} (an {@link IllegalArgumentException}) for
   * a null command, one too large or one the codec refuses (not applied), and whatever {@link
   * StateMachine#apply} threw for it (applied: that is its outcome). Cancelling the subscription
   * does not withdraw a command already proposed, nor free its place among the {@link
   * RaftConfig#maxPendingCommands() pending commands}: it keeps it until it applies, fails or times
   * out.
   *
   * @param command the command, not null
   */
  Mono<R> submit(C command);

  /**
   * As {@link #submit(Object)}, with its own timeout.
   *
   * @param timeout positive
   */
  Mono<R> submit(C command, Duration timeout);

  /**
   * Proposes a command of a client session: the cluster applies each (clientId, sequence) at most
   * once, and answers a resent one with the result of its first application, as long as the session
   * has not expired (thesis 6.3). Sequences start at 1 and grow by one; a client has one command in
   * flight at a time. {@link ClientSession} does the bookkeeping.
   *
   * <p>Errors: as {@link #submit(Object)}, plus {@link SessionExpiredException} for a session the
   * cluster no longer knows, and {@link IllegalArgumentException} for a sequence older than the
   * session's last (its result is gone). An empty {@code clientId} or one of more than 1,024
   * characters, or a sequence below 1, is an {@link InvalidCommandException}.
   *
   * <p>A session begins with its sequence 1. An expired session's id is remembered for one more
   * session timeout, so that a sequence 1 resent meanwhile gets {@link SessionExpiredException}
   * rather than open the session again and apply twice; resend within that time, and use a new id
   * for a new session.
   */
  Mono<R> submit(C command, String clientId, long sequence);

  /** As {@link #submit(Object, String, long)}, with its own timeout. */
  Mono<R> submit(C command, String clientId, long sequence, Duration timeout);

  /**
   * A linearizable read, answered by {@link StateMachine#query} without writing to the log
   * (ReadIndex, thesis 6.4): the leader notes its commit index, confirms with a round of heartbeats
   * that it is still leader (or, with lease reads on, that its lease holds), waits until that index
   * is applied, then queries. A new leader answers only after its first entry commits. On a
   * follower, the follower asks the leader for its read index and answers once it has applied that
   * far itself; with no leader known it fails with {@link NotLeaderException}.
   *
   * <p>Completes on the apply thread. Errors: {@link NotLeaderException} (retry at the leader; on a
   * follower also when the leader it asked lost its term before answering), {@link
   * OverloadedException} when {@link RaftConfig#maxPendingCommands()} reads already wait, {@link
   * CommandTimeoutException}, {@link NodeClosedException}, {@link IllegalArgumentException} for a
   * null query.
   */
  Mono<R> read(C query);

  /** As {@link #read(Object)}, with its own timeout. */
  Mono<R> read(C query, Duration timeout);

  /**
   * Leadership changes seen by this node. Hot: a new subscriber first receives the latest change
   * (so it learns the current leader), then every later one. Completes when the node closes.
   */
  Flux<LeaderChange> leaderChanges();

  /** A snapshot of this node's state, taken on its event loop. */
  Mono<RaftStatus> status();

  /**
   * Takes a snapshot of the state machine now, whatever the thresholds say; the log is then
   * compacted up to the previous snapshot (one interval is kept, for followers that lag a little).
   * Completes with the snapshot's last included index once the snapshot is durable; when nothing
   * was applied since the last snapshot, completes with that one's index (0 when nothing was ever
   * applied). A call while a snapshot is being written completes with that one.
   *
   * <p>Errors: {@link UnsupportedOperationException} when no snapshot store is configured or the
   * state machine does not take snapshots; {@link java.io.UncheckedIOException} when writing fails;
   * {@link NodeClosedException}.
   */
  Mono<Long> snapshot();

  /**
   * Every event this node's loop processes, in order, for monitoring and tests. Hot, with no
   * replay; a subscriber that cannot keep up misses events rather than slowing the node. Events
   * carry the node's own objects, command payloads and log entries included, without copies: read
   * them, never modify them.
   */
  Flux<RaftEvent> events();

  /**
   * Adds a voting member. It first joins as a learner and catches up with the log, in at most the
   * configured number of rounds; then it is promoted to voter. Completes when the promotion is
   * committed. The new server must already be running, configured with the cluster's members and
   * without bootstrap. A member that is a learner already (added with {@link #addLearner}, or by an
   * {@code addServer} that a leader change cut short) is promoted the same way, after catching up;
   * if it fails to, it stays a learner.
   *
   * <p>A leader takes changes only once it has committed an entry of its own term (Ongaro's fix for
   * single-server changes); one that arrives earlier waits for that commit.
   *
   * <p>Membership changes have no timeout of their own: a change waits as long as its entry cannot
   * commit. With check-quorum (the default) a leader cut off from a majority steps down within an
   * election timeout, and the change fails: with {@link LeadershipLostException} once its entry was
   * appended, with {@link NotLeaderException} while it still waited for the leader's first commit.
   * Without check-quorum, the change may wait until the partition heals. Add {@code Mono.timeout}
   * for a bound of your own; giving up waiting does not withdraw the change.
   *
   * <p>Errors: {@link NotLeaderException}; {@link MembershipChangeException} when the member is a
   * voter already or a learner at another address, another change or a leadership transfer is in
   * flight, or the member failed to catch up (it is then removed again); {@link
   * LeadershipLostException} when the leader steps down with the change in flight (it may still
   * commit); {@link NodeClosedException}.
   */
  Mono<Void> addServer(Member member);

  /**
   * Adds a non-voting member, which receives the log. Completes when the change commits; waits as
   * {@link #addServer} does.
   */
  Mono<Void> addLearner(Member member);

  /**
   * Removes a voter or learner; completes when the change commits, and waits as {@link #addServer}
   * does. A leader that removes itself keeps leading until the change commits, then steps down.
   */
  Mono<Void> removeServer(String memberId);

  /**
   * Hands leadership to another voter: brings it up to date, then tells it to campaign at once
   * (thesis 3.10). New commands and membership changes are refused while the transfer runs ({@link
   * MembershipChangeException} with {@code TRANSFER_IN_PROGRESS}); it is abandoned after an
   * election timeout. Completes when the target is leader.
   */
  Mono<Void> transferLeadership(String memberId);

  /**
   * Stops the node: timers stop, the transport and log store close, pending commands, reads,
   * membership changes and snapshots fail with {@link NodeClosedException}, and the configured
   * close hook runs once the state machine is idle. Committed entries not yet applied are not
   * applied now; they apply from the log at the next start. Unlike the other methods, the close
   * starts when this is called, whether or not the result is subscribed. Idempotent; completes when
   * everything is released.
   */
  Mono<Void> close();
}
