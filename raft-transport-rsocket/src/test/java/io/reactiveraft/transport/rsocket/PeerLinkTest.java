package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.reactiveraft.Member;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteRequest;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.ByteBufPayload;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The sending side: bounded windows, timeouts, drops, reconnection and backoff. */
class PeerLinkTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Member a = new Member("a", Loopback.freeAddress());
  private final Member b = new Member("b", Loopback.freeAddress());

  private static VoteRequest vote(long term) {
    return new VoteRequest("a", "b", term, 0, 0, false);
  }

  /**
   * A link to {@code b} timed by {@code timer}: its sockets come from {@code connector}, its
   * reconnect backoff runs from {@code backoffMin} to twice that, and it counts into {@code
   * counters}.
   */
  private PeerLink link(
      VirtualTimeScheduler timer,
      Function<Member, Mono<RSocket>> connector,
      boolean ownsSockets,
      Duration backoffMin,
      int window,
      Duration requestTimeout,
      TransportCounters counters) {
    PeerConnection connection =
        new PeerConnection(
            b,
            connector,
            ownsSockets,
            new Backoff(backoffMin, backoffMin.multipliedBy(2)),
            Duration.ofSeconds(1),
            timer);
    return new PeerLink(
        connection,
        "default",
        1 << 20,
        window,
        requestTimeout,
        timer,
        new InboundDispatcher("default", 1 << 20, null, null, null, counters),
        counters);
  }

  /** A peer that accepts anyone and never answers a request; counts the connections it accepts. */
  private static CloseableChannel silentPeer(Member at, AtomicInteger connections) {
    RSocket silent =
        new RSocket() {
          @Override
          public Mono<Payload> requestResponse(Payload payload) {
            payload.release();
            return Mono.never();
          }
        };
    return RSocketServer.create(
            (setup, sending) -> {
              connections.incrementAndGet();
              return Mono.just(silent);
            })
        .bind(TcpServerTransport.create(Loopback.HOST, Loopback.port(at.address())))
        .block(TIMEOUT);
  }

  /**
   * A request that times out may still wait in the connection's send queue, so its slot stays taken
   * while that connection is open; once half the window has timed out, the connection is closed,
   * which frees the queue and the window, and the peer is dialled again.
   */
  @Test
  void aPeerThatNeverAnswersHasItsConnectionClosedOnceHalfTheWindowTimedOut() {
    AtomicInteger connections = new AtomicInteger();
    CloseableChannel peer = silentPeer(b, connections);
    RSocketTransport transport =
        TestTransports.builder()
            .maxInFlightPerPeer(4)
            // Long enough that none of the four times out while the test sends them, even on a
            // machine that stalls the test thread for a while.
            .requestTimeout(Duration.ofSeconds(3))
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
            .build();
    try {
      transport.start(a, List.of(b)).subscribe();
      for (int i = 0; i < 10; i++) {
        transport.send(vote(i));
      }
      // Four take the window (waiting for the first connection), six find it full.
      assertThat(transport.stats().dropped()).isEqualTo(6);
      Await.until(() -> transport.stats().sent() == 4, TIMEOUT, "four requests issued");
      Await.until(() -> transport.stats().failed() == 4, TIMEOUT, "four requests time out");
      assertThat(connections).hasValue(1);

      // The connection was closed, which freed the window; the peer is dialled again.
      Await.until(
          () -> {
            transport.send(vote(100));
            return connections.get() == 2;
          },
          TIMEOUT,
          "a new connection");
      assertThat(transport.stats().acknowledged()).isZero();
    } finally {
      transport.close().block(TIMEOUT);
      peer.dispose();
      peer.onClose().block(TIMEOUT);
    }
  }

  @Test
  void aTimedOutRequestHoldsItsSlotUntilItsConnectionCloses() {
    VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    Sinks.Empty<Void> closed = Sinks.empty();
    AtomicInteger disposals = new AtomicInteger();
    RSocket socket =
        new RSocket() {
          @Override
          public Mono<Payload> requestResponse(Payload payload) {
            payload.release();
            return Mono.never();
          }

          @Override
          public void dispose() {
            disposals.incrementAndGet();
            closed.tryEmitEmpty();
          }

          @Override
          public Mono<Void> onClose() {
            return closed.asMono();
          }
        };
    TransportCounters counters = new TransportCounters();
    PeerLink link =
        link(
            timer,
            peer -> Mono.just(socket),
            true,
            Duration.ofMillis(10),
            4,
            Duration.ofSeconds(1),
            counters);

    link.send(vote(1));
    timer.advanceTimeBy(Duration.ofSeconds(2));
    assertThat(counters.snapshot().failed()).isEqualTo(1);
    assertThat(link.inFlight()).as("its frame may still be queued").isEqualTo(1);
    assertThat(disposals).hasValue(0);

    link.send(vote(2));
    timer.advanceTimeBy(Duration.ofSeconds(2));
    assertThat(counters.snapshot().failed()).isEqualTo(2);
    assertThat(disposals).as("half the window timed out").hasValue(1);
    assertThat(link.inFlight()).as("the closed connection freed its slots").isZero();
  }

  @Test
  void aFailingPeerIsRedialledOnlyAfterItsBackoff() {
    AtomicInteger attempts = new AtomicInteger();
    AtomicLong secondAttemptAt = new AtomicLong();
    RSocketTransport transport =
        TestTransports.builder()
            // Long enough that the 50 sends below fit in the first wait on a stalling machine.
            .reconnectBackoff(Duration.ofSeconds(4), Duration.ofSeconds(8))
            .connector(
                peer -> {
                  if (attempts.incrementAndGet() == 2) {
                    secondAttemptAt.set(System.nanoTime());
                  }
                  return Mono.error(new ConnectException("refused"));
                })
            .build();
    try {
      transport.start(a, List.of(b)).subscribe();
      long firstAttemptAt = System.nanoTime();
      transport.send(vote(1));
      assertThat(attempts).hasValue(1);
      for (int i = 0; i < 50; i++) {
        transport.send(vote(2));
      }
      // In the backoff, messages are dropped at once, without dialling.
      assertThat(attempts).hasValue(1);
      assertThat(transport.stats().dropped()).isEqualTo(51);

      Await.until(
          () -> {
            transport.send(vote(3));
            return attempts.get() >= 2;
          },
          TIMEOUT,
          "a second attempt after the backoff");
      // The first wait is drawn from [min/2, min].
      assertThat(Duration.ofNanos(secondAttemptAt.get() - firstAttemptAt))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    } finally {
      transport.close().block(TIMEOUT);
    }
  }

  /**
   * A publisher that goes on after it is cancelled, as a request's answer or a connection can when
   * it races the cancel: what it hands over late must still be released or closed.
   */
  private static final class Stubborn<T> extends Mono<T> {
    CoreSubscriber<? super T> subscriber;

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
      subscriber = actual;
      actual.onSubscribe(Operators.emptySubscription()); // ignores the cancel
    }
  }

  @Test
  void anAnswerArrivingAsItsRequestTimesOutIsStillReleased() {
    VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    Stubborn<Payload> answer = new Stubborn<>();
    RSocket socket =
        new RSocket() {
          @Override
          public Mono<Payload> requestResponse(Payload payload) {
            payload.release();
            return answer;
          }
        };
    TransportCounters counters = new TransportCounters();
    PeerLink link =
        link(
            timer,
            peer -> Mono.just(socket),
            false,
            Duration.ofMillis(10),
            4,
            Duration.ofSeconds(1),
            counters);
    link.send(vote(1));
    assertThat(answer.subscriber).as("request issued").isNotNull();

    timer.advanceTimeBy(Duration.ofSeconds(2));
    assertThat(counters.snapshot().failed()).isEqualTo(1);
    assertThat(link.inFlight()).isZero();
    Payload late = ByteBufPayload.create(Unpooled.buffer(0));
    answer.subscriber.onNext(late);
    answer.subscriber.onComplete();

    assertThat(late.refCnt()).as("the late answer was released").isZero();
    assertThat(link.inFlight()).isZero();
    assertThat(counters.snapshot().failed()).isEqualTo(1);
  }

  /** A connection whose requests get the answers queued for them, closed on demand. */
  private static final class ScriptedSocket implements RSocket {
    final java.util.ArrayDeque<Mono<Payload>> answers = new java.util.ArrayDeque<>();
    final Sinks.Empty<Void> closed = Sinks.empty();
    final AtomicBoolean disposed = new AtomicBoolean();

    @Override
    public Mono<Payload> requestResponse(Payload payload) {
      payload.release();
      Mono<Payload> answer = answers.poll();
      return answer == null ? Mono.never() : answer;
    }

    @Override
    public void dispose() {
      disposed.set(true);
      closed.tryEmitEmpty();
    }

    @Override
    public boolean isDisposed() {
      return disposed.get();
    }

    @Override
    public Mono<Void> onClose() {
      return closed.asMono();
    }
  }

  /**
   * Frames leave a connection's send queue in order: an answer to a later request shows that those
   * of the requests that timed out before it were written, so their slots serve again, and a
   * connection whose peer answers is not closed for a few timeouts spread over its life.
   */
  @Test
  void anAnswerToALaterRequestFreesTheSlotsOfThoseThatTimedOutBeforeIt() {
    VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    ScriptedSocket socket = new ScriptedSocket();
    socket.answers.add(Mono.never());
    socket.answers.add(Mono.never());
    socket.answers.add(Mono.empty());
    TransportCounters counters = new TransportCounters();
    PeerLink link =
        link(
            timer,
            peer -> Mono.just(socket),
            true,
            Duration.ofMillis(10),
            8,
            Duration.ofSeconds(1),
            counters);

    link.send(vote(1));
    link.send(vote(2));
    timer.advanceTimeBy(Duration.ofSeconds(2));
    assertThat(link.inFlight()).as("two timed out, their frames perhaps still queued").isEqualTo(2);

    link.send(vote(3)); // answered
    assertThat(link.inFlight()).isZero();
    assertThat(socket.isDisposed()).isFalse();
  }

  /**
   * An answer that arrives late on a connection since replaced must not count as one on the new
   * connection: a new connection that then closes unanswered (a refused setup) is a failure, and
   * the peer is redialled only after the backoff.
   */
  @Test
  void aLateAnswerOnAReplacedConnectionDoesNotVouchForTheNewOne() {
    VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    ScriptedSocket first = new ScriptedSocket();
    ScriptedSocket second = new ScriptedSocket();
    Stubborn<Payload> late = new Stubborn<>();
    first.answers.add(Mono.empty()); // answered: the first connection works
    first.answers.add(late);
    List<ScriptedSocket> sockets = List.of(first, second, new ScriptedSocket());
    AtomicInteger dials = new AtomicInteger();
    TransportCounters counters = new TransportCounters();
    // Its backoff (30 s) is longer than the test.
    PeerLink link =
        link(
            timer,
            peer -> Mono.just(sockets.get(dials.getAndIncrement())),
            true,
            Duration.ofSeconds(30),
            8,
            Duration.ofSeconds(5),
            counters);

    link.send(vote(1));
    link.send(vote(2)); // its answer comes late
    first.dispose(); // the peer restarted; it had answered, so it is redialled at once
    link.send(vote(3));
    assertThat(dials).hasValue(2);

    late.subscriber.onComplete(); // the answer on the first connection
    second.dispose(); // closed before any answer on it, as a refused setup is
    link.send(vote(4));

    assertThat(dials).as("redialled only after the backoff").hasValue(2);
  }

  /** A connection that does nothing but record, in {@code closed}, that it was closed. */
  private static RSocket closedInto(AtomicBoolean closed) {
    return new RSocket() {
      @Override
      public void dispose() {
        closed.set(true);
      }

      @Override
      public boolean isDisposed() {
        return closed.get();
      }
    };
  }

  @Test
  void aConnectionArrivingAsItsAttemptTimesOutIsClosed() {
    VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    Stubborn<RSocket> connecting = new Stubborn<>();
    PeerConnection connection =
        new PeerConnection(
            b,
            peer -> connecting,
            true,
            new Backoff(Duration.ofMillis(10), Duration.ofMillis(20)),
            Duration.ofSeconds(1),
            timer);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    connection.connectIfDue().subscribe(s -> {}, failure::set);

    timer.advanceTimeBy(Duration.ofSeconds(2));
    assertThat(failure.get()).isInstanceOf(TimeoutException.class);
    AtomicBoolean closed = new AtomicBoolean();
    RSocket late = closedInto(closed);
    connecting.subscriber.onNext(late);

    assertThat(closed).as("the late connection was closed").isTrue();
    assertThat(connection.connected()).isNull();
  }

  @Test
  void aConnectionKeptJustBeforeItsTimeoutIsNotClosedByIt() {
    // RSocket's connector closes the connection when its subscriber cancels, even after it handed
    // the connection over: the timeout must not cancel an attempt that has already succeeded.
    VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    AtomicBoolean closed = new AtomicBoolean();
    RSocket socket = closedInto(closed);
    AtomicReference<CoreSubscriber<? super RSocket>> dialled = new AtomicReference<>();
    Mono<RSocket> connector =
        new Mono<>() {
          @Override
          public void subscribe(CoreSubscriber<? super RSocket> actual) {
            dialled.set(actual);
            actual.onSubscribe(
                new Subscription() {
                  @Override
                  public void request(long n) {}

                  @Override
                  public void cancel() {
                    socket.dispose();
                  }
                });
          }
        };
    PeerConnection connection =
        new PeerConnection(
            b,
            peer -> connector,
            true,
            new Backoff(Duration.ofMillis(10), Duration.ofMillis(20)),
            Duration.ofSeconds(1),
            timer);
    AtomicReference<RSocket> connected = new AtomicReference<>();
    connection.connectIfDue().subscribe(connected::set);

    dialled.get().onNext(socket); // its completion not yet signalled when the timeout fires
    timer.advanceTimeBy(Duration.ofSeconds(2));

    assertThat(connected.get()).isSameAs(socket);
    assertThat(closed).as("the connection kept is still open").isFalse();
    assertThat(connection.connected()).isSameAs(socket);
  }

  @Test
  void aConnectorThatCompletesEmptyCountsAsAFailedAttemptAndIsRetried() {
    AtomicInteger attempts = new AtomicInteger();
    RSocketTransport transport =
        TestTransports.builder()
            .maxInFlightPerPeer(2)
            .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(40))
            .connector(
                peer -> {
                  attempts.incrementAndGet();
                  return Mono.empty(); // a service with no connection to hand out yet
                })
            .build();
    AtomicInteger sends = new AtomicInteger();
    try {
      transport.start(a, List.of(b)).subscribe();
      Await.until(
          () -> {
            transport.send(vote(1));
            sends.incrementAndGet();
            return attempts.get() >= 3;
          },
          TIMEOUT,
          "attempts go on after empty ones");
      // Every message is accounted for: none holds a slot of the window, waiting on an attempt.
      Await.until(
          () -> transport.stats().dropped() == sends.get(), TIMEOUT, "every message dropped");
      assertThat(transport.stats().sent()).isZero();
    } finally {
      transport.close().block(TIMEOUT);
    }
  }

  @Test
  void aPeerThatMovesIsDialledAtItsNewAddress() {
    Member moved = new Member("b", Loopback.freeAddress());
    RSocketTransport sender = TestTransports.builder().build();
    RSocketTransport before = TestTransports.builder().build();
    RSocketTransport after = TestTransports.builder().build();
    BlockingQueue<RaftMessage> atOld = new LinkedBlockingQueue<>();
    BlockingQueue<RaftMessage> atNew = new LinkedBlockingQueue<>();
    try {
      sender.start(a, List.of(b)).subscribe();
      before.start(b, List.of(a)).subscribe(atOld::add);
      after.start(moved, List.of(a)).subscribe(atNew::add);
      sender.send(vote(1));
      Await.until(() -> atOld.size() == 1, TIMEOUT, "delivery at the old address");

      sender.updateMembers(List.of(moved));
      sender.send(vote(2));
      Await.until(() -> atNew.size() == 1, TIMEOUT, "delivery at the new address");
      assertThat(atOld).hasSize(1);
      assertThat(atNew.peek().term()).isEqualTo(2);
    } finally {
      sender.close().block(TIMEOUT);
      before.close().block(TIMEOUT);
      after.close().block(TIMEOUT);
    }
  }

  @Test
  void aRestartedPeerIsRedialled() {
    RSocketTransport sender = TestTransports.builder().build();
    BlockingQueue<RaftMessage> atB = new LinkedBlockingQueue<>();
    RSocketTransport receiver = TestTransports.builder().build();
    RSocketTransport restarted = TestTransports.builder().build();
    try {
      sender.start(a, List.of(b)).subscribe();
      receiver.start(b, List.of(a)).subscribe(atB::add);
      sender.send(vote(1));
      Await.until(() -> atB.size() == 1, TIMEOUT, "delivery to b");

      receiver.close().block(TIMEOUT);
      sender.send(vote(2));
      restarted.start(b, List.of(a)).subscribe(atB::add);
      Await.until(
          () -> {
            sender.send(vote(3));
            return atB.stream().anyMatch(m -> m.term() == 3);
          },
          TIMEOUT,
          "delivery to the restarted b");
    } finally {
      sender.close().block(TIMEOUT);
      receiver.close().block(TIMEOUT);
      restarted.close().block(TIMEOUT);
    }
  }
}
