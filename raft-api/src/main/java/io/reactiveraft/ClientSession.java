package io.reactiveraft;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
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
 * <p>Commands of one session must be issued one at a time: subscribe to the next after the previous
 * completed. Thread-safe otherwise.
 *
 * @param <C> command type
 * @param <R> result type
 */
public final class ClientSession<C, R> {

  private final RaftNode<C, R> node;
  private final String clientId;
  private final AtomicLong sequence = new AtomicLong();
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
          long seq = sequence.get() + 1;
          return send(command, seq)
              // The number is used up once the command may have reached the log. A command
              // that definitely did not (not leader, overloaded) leaves it to the next one, so
              // the session never skips ahead of what the cluster knows: an unknown session
              // whose first number is not 1 counts as expired.
              .doOnSuccess(r -> sequence.compareAndSet(seq - 1, seq))
              .doOnError(
                  e -> {
                    if (!(e instanceof RaftException re) || re.outcomeUnknown()) {
                      sequence.compareAndSet(seq - 1, seq);
                    }
                  });
        });
  }

  private Mono<R> send(C command, long seq) {
    return Mono.defer(() -> node.submit(command, clientId, seq))
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
