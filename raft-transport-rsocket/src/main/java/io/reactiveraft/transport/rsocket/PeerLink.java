package io.reactiveraft.transport.rsocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.reactiveraft.message.RaftMessage;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.exceptions.InvalidException;
import io.rsocket.exceptions.RejectedException;
import io.rsocket.util.ByteBufPayload;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Sends messages to one peer as RSocket request-responses, at most {@code maxInFlight} at a time,
 * each with a timeout so that a peer that never answers frees its slots. A response that carries
 * the peer's answer to an AppendEntries is handed on as an inbound message.
 *
 * <p>{@link #send} never blocks and never throws: a message that finds the window full, or the peer
 * down or in its reconnect backoff, is dropped and counted. Raft retransmits what matters. A
 * message sent while the first connection is being opened waits for it, holding a slot, for at most
 * the connect timeout.
 *
 * <p>A request that times out is cancelled, but its frame may still wait in the connection's send
 * queue (RSocket queues without bound, and its keepalives jump the queue, so a peer that reads
 * slowly still looks alive). On a connection of the transport's own, the slot is therefore held
 * until an answer to a later request shows the frame was written (the queue is in order), or the
 * connection closes; once half the window has timed out with no answer in between, the connection
 * is closed, which frees the queue and the slots, and the peer is redialled. Resending into the
 * queue of a peer that does not keep up would otherwise grow the heap without bound. On a service's
 * connection, which is not the transport's to close, a timeout frees its slot at once.
 *
 * <p>Thread-safe.
 */
final class PeerLink {

  private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

  private final PeerConnection connection;
  private final String group;
  private final int maxFrameSize;
  private final int maxInFlight;
  private final Duration requestTimeout;
  private final Scheduler timer;
  private final InboundDispatcher responses;
  private final TransportCounters counters;
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Per open socket, the slots of requests that timed out on it. Guarded by itself. */
  private final Map<RSocket, Integer> stalled = new HashMap<>();

  /**
   * Whether {@link #stalled} may hold anything: an answer reads it, one volatile read, and takes
   * the lock only when some request timed out.
   */
  private volatile boolean anyStalled;

  private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(1));
  private final LogThrottle refusals = new LogThrottle(Duration.ofSeconds(10));

  PeerLink(
      PeerConnection connection,
      String group,
      int maxFrameSize,
      int maxInFlight,
      Duration requestTimeout,
      Scheduler timer,
      InboundDispatcher responses,
      TransportCounters counters) {
    this.connection = connection;
    this.group = group;
    this.maxFrameSize = maxFrameSize;
    this.maxInFlight = maxInFlight;
    this.requestTimeout = requestTimeout;
    this.timer = timer;
    this.responses = responses;
    this.counters = counters;
  }

  PeerConnection connection() {
    return connection;
  }

  /** Requests issued or waiting for a connection, and not yet answered. */
  int inFlight() {
    return inFlight.get();
  }

  /** Sends {@code message} if the window and the connection allow; drops it otherwise. */
  void send(RaftMessage message) {
    if (!tryAcquire()) {
      counters.dropped();
      return;
    }
    RSocket socket = connection.connected();
    if (socket != null) {
      issue(socket, message);
      return;
    }
    Mono<RSocket> pending = connection.connectIfDue();
    if (pending == null) {
      release();
      counters.dropped();
      return;
    }
    pending.subscribe(
        s -> issue(s, message),
        e -> {
          release();
          counters.dropped();
        });
  }

  /** Stops sending; requests in flight end with the connection. */
  Mono<Void> close() {
    return connection.close();
  }

  private void issue(RSocket socket, RaftMessage message) {
    ByteBuf frame;
    try {
      frame = RaftFrameCodec.encode(ByteBufAllocator.DEFAULT, group, message, maxFrameSize);
    } catch (RuntimeException e) {
      // Too large, or a field the wire cannot carry: the peer would refuse it anyway.
      release();
      counters.dropped();
      if (throttle.permit()) {
        log.warn("dropped a message to {}: {}", message.to(), e.getMessage());
      }
      return;
    }
    counters.sent();
    socket.requestResponse(ByteBufPayload.create(frame)).subscribe(new Acknowledgement(socket));
  }

  /**
   * A request on {@code socket} timed out: its slot stays taken until a later answer or the
   * socket's close, and half a window of them in a row closes it.
   */
  private void stalledOn(RSocket socket) {
    int n;
    synchronized (stalled) {
      n = stalled.merge(socket, 1, Integer::sum);
      anyStalled = true;
    }
    if (n == 1) {
      // Subscribed after the count exists: a socket already closed frees it at once.
      socket.onClose().subscribe(null, e -> freeStalled(socket), () -> freeStalled(socket));
    }
    if (n == Math.max(1, maxInFlight / 2)) {
      log.info(
          "{} answered none of {} requests within {} ms; reconnecting",
          connection.peer().id(),
          n,
          requestTimeout.toMillis());
      connection.reset(socket);
    }
  }

  private void freeStalled(RSocket socket) {
    Integer n;
    synchronized (stalled) {
      n = stalled.remove(socket);
      anyStalled = !stalled.isEmpty();
    }
    if (n != null) {
      inFlight.addAndGet(-n);
    }
  }

  private boolean tryAcquire() {
    int n;
    do {
      n = inFlight.get();
      if (n >= maxInFlight) {
        return false;
      }
    } while (!inFlight.compareAndSet(n, n + 1));
    return true;
  }

  private void release() {
    inFlight.decrementAndGet();
  }

  /**
   * Waits for the answer to one request, for at most the request timeout; an answer that comes late
   * is still released ({@link TimeLimitedSubscriber}). The terminal hooks run once, so the slot is
   * freed once, before the outcome is counted, so that whoever sees the count can use the slot.
   */
  private final class Acknowledgement extends TimeLimitedSubscriber<Payload> {

    private final RSocket socket;

    Acknowledgement(RSocket socket) {
      super(timer, requestTimeout);
      this.socket = socket;
    }

    @Override
    protected void hookOnNext(Payload payload) {
      // The peer's answer to an AppendEntries, when it came back on this request.
      responses.handleResponse(connection.peer().id(), payload);
    }

    @Override
    protected void hookOnComplete() {
      if (anyStalled) {
        // Frames leave the send queue in order: those of requests that timed out before this
        // one were written, and their slots can serve again.
        freeStalled(socket);
      }
      release();
      counters.acknowledged();
      connection.acknowledged(socket);
    }

    @Override
    protected void hookOnError(Throwable e) {
      release();
      counters.failed();
      if ((e instanceof RejectedException || e instanceof InvalidException) && refusals.permit()) {
        // The peer is reachable and says no (another group or frame limit, a membership it does
        // not share): a configuration to fix, which debug logging alone would hide.
        log.warn(
            "{} refused a request: {}",
            connection.peer().id(),
            RaftSocketAcceptor.printable(String.valueOf(e.getMessage())));
      } else {
        log.debug("request to {} failed: {}", connection.peer().id(), e.toString());
      }
    }

    /** The one cause of a cancel: the answer took too long. */
    @Override
    protected void hookOnCancel() {
      if (connection.ownsSockets()) {
        stalledOn(socket);
      } else {
        release();
      }
      counters.failed();
      log.debug("request to {} timed out after {}", connection.peer().id(), requestTimeout);
    }
  }
}
