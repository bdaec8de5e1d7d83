package io.reactiveraft.transport.rsocket;

import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;

/**
 * The threads one transport owns: Netty event loops for its server and its outbound connections
 * (created on first use, so an embedded transport with a service's connector creates none), and a
 * timer for request and connect timeouts. Event loops the caller shared are used, not owned. Every
 * thread is a daemon named {@code raft-rsocket-<member>-...}, and all of them are gone once {@link
 * #dispose()} completes.
 *
 * <p>Thread-safe.
 */
final class TransportResources {

  private final String memberId;
  private final String name;
  private final int ioThreads;
  private final boolean ownsLoops;
  private final Scheduler timer;
  private LoopResources loops;
  private boolean disposed;

  /**
   * How long the timer may go on running the timeouts still pending at close (of requests whose
   * connections a service's connector keeps open) before they are dropped.
   */
  private static final Duration TIMER_GRACE = Duration.ofMillis(200);

  /**
   * @param shared the caller's event loops, never disposed here; null to create them on first use
   */
  TransportResources(String memberId, int ioThreads, LoopResources shared) {
    this.memberId = memberId;
    this.name = "raft-rsocket-" + memberId;
    this.ioThreads = ioThreads;
    this.ownsLoops = shared == null;
    this.loops = shared;
    this.timer = Schedulers.newSingle(name + "-timer", true);
  }

  /** The event loops, created on first call. */
  synchronized LoopResources loops() {
    if (disposed) {
      // Loops created now would have no one to dispose of them.
      throw new IllegalStateException("the transport of " + memberId + " is closed");
    }
    if (loops == null) {
      loops = LoopResources.create(name, 1, ioThreads, true);
    }
    return loops;
  }

  Scheduler timer() {
    return timer;
  }

  String memberId() {
    return memberId;
  }

  private Scheduler eventLoop;

  /**
   * A scheduler on the one event loop every connection of a one-thread transport is registered on
   * (the group reactor-netty picks for servers and clients alike), for the node to run on.
   */
  synchronized Scheduler eventLoop() {
    if (eventLoop == null) {
      eventLoop =
          Schedulers.fromExecutorService(
              loops().onServer(LoopResources.DEFAULT_NATIVE).next(), name + "-loop");
    }
    return eventLoop;
  }

  /** Shuts the event loops and the timer down; completes when their threads have ended. */
  Mono<Void> dispose() {
    LoopResources l;
    synchronized (this) {
      disposed = true;
      l = ownsLoops ? loops : null;
    }
    // Connections are closed before this runs, so there is nothing to wait for in a quiet period.
    Mono<Void> loopsDone =
        l == null
            ? Mono.empty()
            : l.disposeLater(Duration.ZERO, TransportSettings.LIFECYCLE_TIMEOUT);
    Mono<Void> timerDone =
        Mono.defer(timer::disposeGracefully)
            .timeout(TIMER_GRACE, Mono.fromRunnable(timer::dispose));
    return loopsDone.then(timerDone);
  }
}
