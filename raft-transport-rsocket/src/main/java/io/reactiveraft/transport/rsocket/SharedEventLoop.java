package io.reactiveraft.transport.rsocket;

import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;

/**
 * One Netty event loop thread shared by a node and its RSocket transport, for callers who supply
 * the loops themselves (a transport with one IO thread of its own lends it to the node by default,
 * {@link RSocketTransport#eventLoop}): the transport's server and connections run on it ({@link
 * RSocketTransportBuilder#loopResources}), and so does the node's event loop ({@code
 * RaftConfig.Builder.scheduler(loop.scheduler())}).
 *
 * <p>Why: with separate threads, every message crosses two hand-offs, from the node's loop to the
 * Netty thread that writes it and from the Netty thread that reads it to the receiving node's loop,
 * and each wakes a parked thread. On one thread, the node writes to its connections directly and
 * hears inbound messages in the same turn. On a 2-core machine, paired runs of a 3-node benchmark
 * took 9-17 % off its 1-in-flight p50 and added 16-26 % to its 256-in-flight throughput (README,
 * benchmarks). The cost: the node's event loop work and its network IO share one core, which suits
 * the loop's short, non-blocking turns.
 *
 * <pre>{@code
 * SharedEventLoop loop = SharedEventLoop.create("raft-n1");
 * RSocketTransport transport = RSocketTransport.builder()
 *     .clusterId("orders").sharedSecret(secret)
 *     .loopResources(loop.loopResources())
 *     .build();
 * RaftNode<Cmd, Res> node = ReactiveRaft.start(RaftConfig.<Cmd, Res>builder()
 *     .transport(transport).scheduler(loop.scheduler()) ... .build());
 * ...
 * node.close().then(loop.close()).block();
 * }</pre>
 *
 * <p>The caller owns it: close it after the node (and so the transport) has closed. Thread-safe.
 */
public final class SharedEventLoop {

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final LoopResources loops;
  private final Scheduler scheduler;

  private SharedEventLoop(LoopResources loops, Scheduler scheduler) {
    this.loops = loops;
    this.scheduler = scheduler;
  }

  /**
   * Starts one daemon event loop thread named {@code <prefix>-...} (plus the thread that accepts
   * connections, which the server needs apart from its event loop).
   */
  public static SharedEventLoop create(String prefix) {
    if (prefix == null || prefix.isBlank()) {
      throw new IllegalArgumentException("invalid SharedEventLoop prefix: must not be blank");
    }
    LoopResources loops = LoopResources.create(prefix, 1, 1, true);
    // The same group the transport's server and client pick (runOn uses DEFAULT_NATIVE): with one
    // worker, next() is the only loop, the one every connection is registered on.
    Scheduler scheduler =
        Schedulers.fromExecutorService(loops.onServer(LoopResources.DEFAULT_NATIVE).next(), prefix);
    return new SharedEventLoop(loops, scheduler);
  }

  /** For {@link RSocketTransportBuilder#loopResources}. */
  public LoopResources loopResources() {
    return loops;
  }

  /** For the node's configuration ({@code RaftConfig.Builder.scheduler}). */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** Stops the thread; completes once it has ended. Call after the node has closed. */
  public Mono<Void> close() {
    return loops.disposeLater(Duration.ZERO, CLOSE_TIMEOUT);
  }
}
