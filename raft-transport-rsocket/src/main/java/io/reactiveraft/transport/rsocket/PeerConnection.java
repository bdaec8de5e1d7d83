package io.reactiveraft.transport.rsocket;

import io.reactiveraft.Member;
import io.rsocket.RSocket;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The connection to one peer: opened lazily by the first message that needs it, reopened after it
 * closes, with exponential backoff while the peer keeps failing.
 *
 * <p>A connection counts as healthy once the peer has acknowledged a request on it. Closing a
 * healthy connection allows an immediate reconnection (the peer probably restarted); a connection
 * that closes before any acknowledgement (a refused SETUP, a peer that accepts and dies) counts as
 * a failure like a refused connect, so a misconfigured peer is not hammered in a tight loop.
 *
 * <p>Thread-safe. Nothing here blocks: callers get the open socket, a {@code Mono} of the attempt
 * in progress, or null while the peer is in its backoff.
 */
final class PeerConnection {

  private static final Logger log = LoggerFactory.getLogger(PeerConnection.class);

  private final Member peer;
  private final Function<Member, Mono<RSocket>> connector;
  private final boolean ownsSockets;
  private final Backoff backoff;
  private final Duration connectTimeout;
  private final Scheduler timer;

  private volatile RSocket socket;
  private volatile boolean healthy;
  // Guarded by this.
  private Sinks.One<RSocket> attempt;
  private Disposable attemptSubscription;
  private long retryAtNanos = System.nanoTime();
  private int failures;
  private boolean closed;

  /** Whether a close before any acknowledgement was logged at WARN since the last healthy one. */
  private boolean refusalLogged;

  /** The socket this connection closed itself, its peer not answering: not a refused setup. */
  private RSocket resetByUs;

  /**
   * @param ownsSockets whether the sockets the connector returns are this connection's to dispose
   *     (true for the transport's own connector; a service's connector keeps its sockets)
   */
  PeerConnection(
      Member peer,
      Function<Member, Mono<RSocket>> connector,
      boolean ownsSockets,
      Backoff backoff,
      Duration connectTimeout,
      Scheduler timer) {
    this.peer = peer;
    this.connector = connector;
    this.ownsSockets = ownsSockets;
    this.backoff = backoff;
    this.connectTimeout = connectTimeout;
    this.timer = timer;
  }

  Member peer() {
    return peer;
  }

  /** Whether the sockets are this connection's to close (the transport's own connector). */
  boolean ownsSockets() {
    return ownsSockets;
  }

  /**
   * Closes {@code s}, if it is ours: the peer stopped answering on it. The next message dials
   * again, at once if the peer had answered on it, else after the backoff.
   */
  void reset(RSocket s) {
    if (ownsSockets) {
      synchronized (this) {
        resetByUs = s;
      }
      s.dispose();
    }
  }

  /** The open socket, or null. */
  RSocket connected() {
    RSocket s = socket;
    return s != null && !s.isDisposed() ? s : null;
  }

  /**
   * A socket to send on, as soon as there is one: the open socket, the attempt in progress, or a
   * new attempt if the backoff allows one.
   *
   * @return null when the peer is in its backoff or this connection is closed
   */
  Mono<RSocket> connectIfDue() {
    Sinks.One<RSocket> mine;
    synchronized (this) {
      if (closed) {
        return null;
      }
      RSocket s = connected();
      if (s != null) {
        return Mono.just(s);
      }
      if (attempt != null) {
        return attempt.asMono();
      }
      if (System.nanoTime() - retryAtNanos < 0) {
        return null;
      }
      mine = Sinks.one();
      attempt = mine;
    }
    log.debug("connecting to {} at {}", peer.id(), peer.address());
    Attempt subscription = new Attempt(mine);
    Mono.defer(() -> connector.apply(peer))
        // A service's connector that completes empty is a failed attempt, not one that never
        // ends: otherwise every later message would wait on it and the peer stay unreached.
        .switchIfEmpty(
            Mono.error(
                () ->
                    new IllegalStateException("the connector gave no connection to " + peer.id())))
        .subscribe(subscription);
    synchronized (this) {
      if (attempt == mine) {
        attemptSubscription = subscription;
      }
    }
    return mine.asMono();
  }

  /**
   * Records that the peer acknowledged a request on {@code s}: that connection works. An answer
   * that arrives late on a connection since replaced says nothing of the one now open (whose setup
   * the peer may yet refuse).
   */
  void acknowledged(RSocket s) {
    if (!healthy) {
      synchronized (this) { // against onConnected, which sets the socket and clears the flag
        if (socket == s) {
          healthy = true;
        }
      }
    }
  }

  /**
   * Stops connecting and disposes the socket if it is ours; completes when that socket is closed.
   */
  Mono<Void> close() {
    Sinks.One<RSocket> waiting;
    Disposable connecting;
    RSocket s;
    synchronized (this) {
      if (closed) {
        return Mono.empty();
      }
      closed = true;
      waiting = attempt;
      connecting = attemptSubscription;
      attempt = null;
      attemptSubscription = null;
      s = socket;
      socket = null;
    }
    if (connecting != null) {
      connecting.dispose();
    }
    if (waiting != null) {
      waiting.tryEmitError(new ClosedChannelException());
    }
    if (s == null || !ownsSockets) {
      return Mono.empty();
    }
    s.dispose();
    return s.onClose().onErrorResume(e -> Mono.empty());
  }

  /**
   * One connection attempt, given up after the connect timeout. A socket that comes late is still
   * taken ({@link TimeLimitedSubscriber}), and {@link #onConnected} closes it when its attempt is
   * no longer current: otherwise it would stay open, kept alive, on both nodes.
   */
  private final class Attempt extends TimeLimitedSubscriber<RSocket> {

    private final Sinks.One<RSocket> mine;

    Attempt(Sinks.One<RSocket> mine) {
      super(timer, connectTimeout);
      this.mine = mine;
    }

    /**
     * Gives the attempt up, unless its connection was taken just before: RSocket's connector closes
     * the connection when its subscriber cancels, even one it already handed over. Whether it was
     * is decided under the lock that {@link #onConnected} takes, so exactly one of the two wins. A
     * connection closed meanwhile cancels regardless (its close may have come before the attempt's
     * subscription was stored, and so could not cancel it).
     */
    @Override
    protected void expire() {
      boolean giveUp =
          onConnectFailed(
              mine,
              new TimeoutException("no connection to " + peer.id() + " within " + connectTimeout));
      synchronized (PeerConnection.this) {
        giveUp |= closed;
      }
      if (giveUp) {
        super.expire();
      }
    }

    @Override
    protected void hookOnNext(RSocket s) {
      onConnected(mine, s);
    }

    @Override
    protected void hookOnError(Throwable e) {
      onConnectFailed(mine, e);
    }
  }

  private void onConnected(Sinks.One<RSocket> mine, RSocket s) {
    boolean keep;
    synchronized (this) {
      keep = !closed && attempt == mine;
      if (keep) {
        attempt = null;
        attemptSubscription = null;
        socket = s;
        healthy = false;
      }
    }
    if (!keep) {
      // Closed while connecting: this socket has no one to serve.
      if (ownsSockets) {
        s.dispose();
      }
      mine.tryEmitError(new ClosedChannelException());
      return;
    }
    log.debug("connected to {}", peer.id());
    s.onClose().subscribe(null, e -> onClosed(s, e), () -> onClosed(s, null));
    mine.tryEmitValue(s);
  }

  /** Returns whether {@code mine} was the attempt under way, which has now failed. */
  private boolean onConnectFailed(Sinks.One<RSocket> mine, Throwable e) {
    int n;
    synchronized (this) {
      if (attempt != mine) {
        return false;
      }
      attempt = null;
      attemptSubscription = null;
      n = ++failures;
      retryAtNanos = System.nanoTime() + backoff.delayNanos(n);
    }
    if (n == 1) {
      log.info("cannot connect to {} at {}: {}", peer.id(), peer.address(), e.toString());
    } else {
      log.debug("cannot connect to {} ({} failures): {}", peer.id(), n, e.toString());
    }
    mine.tryEmitError(e);
    return true;
  }

  private void onClosed(RSocket s, Throwable cause) {
    boolean wasHealthy;
    boolean warn = false;
    boolean reset;
    int n;
    synchronized (this) {
      if (socket != s) {
        return;
      }
      socket = null;
      reset = resetByUs == s;
      resetByUs = null;
      wasHealthy = healthy;
      healthy = false;
      if (wasHealthy) {
        failures = 0;
        refusalLogged = false;
        retryAtNanos = System.nanoTime();
      } else {
        retryAtNanos = System.nanoTime() + backoff.delayNanos(++failures);
        // Closed by this side for unanswered requests, it says nothing of the peer's setup.
        warn = !reset && !refusalLogged;
        refusalLogged |= warn;
      }
      n = failures;
    }
    if (wasHealthy) {
      log.info("connection to {} closed{}", peer.id(), cause == null ? "" : ": " + cause);
    } else if (reset) {
      log.info("connection to {} closed: it answered no request on it", peer.id());
    } else if (warn) {
      // Nearly always the peer refusing the setup: say so where an operator looks, once per
      // outage (a refused setup is logged by the peer with its reason, and answered the same way
      // whatever the reason, so that a stranger learns nothing from it).
      log.warn(
          "connection to {} at {} closed before any acknowledgement: {}; if this persists, check"
              + " that both use the same secret, cluster id and version, and list each other as"
              + " members (the peer's log says why it refused)",
          peer.id(),
          peer.address(),
          cause == null ? "closed by the peer" : cause.toString());
    } else {
      log.debug(
          "connection to {} closed before any acknowledgement ({} failures): {}",
          peer.id(),
          n,
          cause);
    }
  }
}
