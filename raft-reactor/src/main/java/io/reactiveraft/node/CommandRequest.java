package io.reactiveraft.node;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * One caller's command on its way from {@code submit} to its result, and the Mono the caller waits
 * on. {@link PendingRequests} tracks it; whichever thread finishes it first ({@link #succeed} or
 * {@link #fail}, after winning {@link #release}) delivers the outcome.
 *
 * <p>Why not a {@code Sinks.One}: a sink, its serializing wrapper, its subscriber array and inner
 * subscriber, and a completion flag were five objects per command beside this one, and at 100k
 * commands a second on each of three nodes their garbage set how often the young generation was
 * collected. Here the request is the Mono, and subscribing adds one object.
 *
 * <p>Subscribed at most once: {@code submit} returns it inside {@code Mono.defer}, which makes a
 * new request for every subscription. A second subscriber gets an {@link IllegalStateException}. An
 * outcome that arrives before the subscriber waits for it.
 *
 * @param <R> result type
 */
final class CommandRequest<R> extends Mono<R> {

  private static final Object EMPTY = new Object();

  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<CommandRequest> RELEASED =
      AtomicIntegerFieldUpdater.newUpdater(CommandRequest.class, "released");

  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<CommandRequest> SUBSCRIBED =
      AtomicIntegerFieldUpdater.newUpdater(CommandRequest.class, "subscribed");

  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<CommandRequest> DELIVERED =
      AtomicIntegerFieldUpdater.newUpdater(CommandRequest.class, "delivered");

  final long id;
  final int bytes;
  final long deadlineNanos;
  final Duration timeout;

  /**
   * Where the core placed the command; event loop, then read by the apply thread after handover.
   */
  long index;

  long term;

  /** 1 once the request left the pending count (answered, or its caller gave up). */
  private volatile int released;

  /** 1 once someone subscribed. */
  private volatile int subscribed;

  /** 1 once the outcome went to the subscriber. */
  private volatile int delivered;

  /** The result, {@link #EMPTY} for a null one, a {@link Failure}, or null while pending. */
  private volatile Object outcome;

  /** Published only after the subscriber has its subscription, so no signal can precede it. */
  private volatile Operators.MonoSubscriber<R, R> subscriber;

  CommandRequest(long id, int bytes, long deadlineNanos, Duration timeout) {
    this.id = id;
    this.bytes = bytes;
    this.deadlineNanos = deadlineNanos;
    this.timeout = timeout;
  }

  long id() {
    return id;
  }

  /** Claims the right to answer; true for exactly one caller. */
  boolean release() {
    return RELEASED.compareAndSet(this, 0, 1);
  }

  boolean released() {
    return released == 1;
  }

  /** Answers with {@code result} (null completes the Mono empty). Only after {@link #release}. */
  void succeed(R result) {
    outcome = result == null ? EMPTY : result;
    deliver();
  }

  /** Answers with {@code error}. Only after {@link #release}. */
  void fail(Throwable error) {
    outcome = new Failure(error);
    deliver();
  }

  @Override
  public void subscribe(CoreSubscriber<? super R> actual) {
    if (!SUBSCRIBED.compareAndSet(this, 0, 1)) {
      Operators.error(
          actual, new IllegalStateException("a command's result is delivered to one subscriber"));
      return;
    }
    Operators.MonoSubscriber<R, R> inner = new Operators.MonoSubscriber<>(actual);
    actual.onSubscribe(inner);
    subscriber = inner;
    deliver();
  }

  /**
   * Both sides call this after publishing their half (the outcome, the subscriber), so whichever
   * comes second sees both; the flag makes sure only one of them delivers.
   */
  @SuppressWarnings("unchecked")
  private void deliver() {
    Operators.MonoSubscriber<R, R> inner = subscriber;
    Object o = outcome;
    if (inner == null || o == null || !DELIVERED.compareAndSet(this, 0, 1)) {
      return;
    }
    if (inner.isCancelled()) {
      return; // the caller stopped waiting; its outcome is nobody's error
    }
    try {
      if (o instanceof Failure failure) {
        inner.onError(failure.error);
      } else if (o == EMPTY) {
        inner.onComplete();
      } else {
        inner.complete((R) o);
      }
    } catch (Throwable e) {
      // The caller's code ran here, on the apply thread or the event loop, and threw.
      CallerSignals.thrown(e);
    }
  }

  /** An error outcome, told apart from a result that happens to be a Throwable. */
  private record Failure(Throwable error) {}
}
