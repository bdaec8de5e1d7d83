package io.reactiveraft;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * A client of one node whose commands are applied at most once, even when resent after a timeout or
 * a leadership change (thesis 6.3). Each command gets the next sequence number; when its outcome is
 * unknown it is resent with the same number, and the cluster answers a resent command with the
 * result of its first application.
 *
 * <p>A command's number is used up once the command may have reached the log, so that the next
 * command can never be taken for a resend of it. It is left to the next command only when the
 * command definitely was not applied: refused before the log ({@link InvalidCommandException}), or
 * failed with a {@link RaftException} whose outcome is known, with no earlier attempt's outcome in
 * doubt. A command whose attempts ended in doubt and then in such a refusal fails with an {@link
 * OutcomeUnknownException}. A cancelled command uses its number up too (it may still commit); if it
 * was the session's first, the cluster may not know the session, and the next command can fail with
 * {@link SessionExpiredException}: start a new session then.
 *
 * <p>Commands of one session are issued one at a time: subscribe to the next after the previous
 * completed; one submitted while another is in flight fails with {@link IllegalStateException}. The
 * session resends by itself: do not resubscribe to (or {@code retry}) the Mono it returns, which
 * would submit the command again under a new number. Thread-safe otherwise.
 *
 * @param <C> command type
 * @param <R> result type
 */
public final class ClientSession<C, R> {

  private final RaftNode<C, R> node;
  private final String clientId;
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private final int maxAttempts;
  private final Duration backoff;
  private final Scheduler timer;

  /**
   * @param node where commands go (the leader; a {@link NotLeaderException} is not retried)
   * @param maxAttempts how often one command is sent at most, when its outcome stays unknown
   * @param backoff the first pause between attempts, doubled each time
   */
  public ClientSession(RaftNode<C, R> node, int maxAttempts, Duration backoff) {
    this(node, UUID.randomUUID().toString(), maxAttempts, backoff);
  }

  /** A session with an id of the caller's choosing, which must be unique in the cluster. */
  public ClientSession(RaftNode<C, R> node, String clientId, int maxAttempts, Duration backoff) {
    this(node, clientId, maxAttempts, backoff, Schedulers.parallel());
  }

  /**
   * As {@link #ClientSession(RaftNode, String, int, Duration)}, with the pauses between attempts
   * timed on {@code timer} (tests on virtual time pass their {@code VirtualTimeScheduler}).
   */
  public ClientSession(
      RaftNode<C, R> node, String clientId, int maxAttempts, Duration backoff, Scheduler timer) {
    this.node = Objects.requireNonNull(node, "node");
    this.clientId = Objects.requireNonNull(clientId, "clientId");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1");
    }
    this.maxAttempts = maxAttempts;
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    this.timer = Objects.requireNonNull(timer, "timer");
  }

  /** The id this session's commands carry, with their sequence numbers. */
  public String clientId() {
    return clientId;
  }

  /**
   * Submits the next command of the session, resending it while its outcome is unknown (a timeout
   * or a lost leadership), up to the configured attempts.
   */
  public Mono<R> submit(C command) {
    return Mono.defer(
        () -> {
          if (!inFlight.compareAndSet(false, true)) {
            return Mono.error(
                new IllegalStateException(
                    "session " + clientId + " has a command in flight; submit after it completes"));
          }
          long seq = sequence.get() + 1;
          AtomicBoolean inDoubt = new AtomicBoolean();
          AtomicBoolean settled = new AtomicBoolean();
          return send(command, seq, inDoubt)
              .onErrorMap(
                  e -> inDoubt.get() && definitelyNotApplied(e),
                  e ->
                      new OutcomeUnknownException(
                          "command "
                              + seq
                              + " of session "
                              + clientId
                              + ": an earlier attempt may still be applied, and the last was"
                              + " refused: "
                              + e.getMessage(),
                          e))
              // Settled before the caller hears the outcome, so that a next command chained on
              // this one (then, flatMap) finds the session free and the number right.
              // Once: a cancel may race the result.
              .doOnSuccess(r -> settle(settled, seq, true))
              .doOnError(e -> settle(settled, seq, !definitelyNotApplied(e)))
              .doOnCancel(() -> settle(settled, seq, true));
        });
  }

  private void settle(AtomicBoolean settled, long seq, boolean usedUp) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    if (usedUp) {
      sequence.accumulateAndGet(seq, Math::max);
    }
    inFlight.set(false);
  }

  /** Refused before the log, or known not applied: its number is free for the next command. */
  private static boolean definitelyNotApplied(Throwable e) {
    return e instanceof InvalidCommandException
        || (e instanceof RaftException re && !re.outcomeUnknown());
  }

  private Mono<R> send(C command, long seq, AtomicBoolean inDoubt) {
    return Mono.defer(() -> node.submit(command, clientId, seq))
        .doOnError(
            e -> {
              if (!definitelyNotApplied(e)) {
                inDoubt.set(true);
              }
            })
        .retryWhen(
            Retry.backoff(maxAttempts - 1L, backoff)
                .scheduler(timer)
                .filter(
                    e ->
                        e instanceof RaftException re
                            && re.outcomeUnknown()
                            && !(e instanceof SessionExpiredException))
                .onRetryExhaustedThrow((spec, signal) -> signal.failure()));
  }
}
