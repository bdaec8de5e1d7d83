package io.reactiveraft.node;

import io.reactiveraft.RaftConfig;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The threads of one node: a worker for the event loop, one for timers, one for applies. Schedulers
 * the node created itself are disposed with it; those the caller supplied are not.
 */
final class NodeSchedulers {

  private final Scheduler loopScheduler;
  private final Scheduler applyScheduler;
  private final boolean ownsLoop;
  private final boolean loopFromTransport;
  private final boolean ownsApply;
  private final Scheduler.Worker loopWorker;
  private final Scheduler.Worker timerWorker;
  private final Scheduler.Worker applyWorker;
  private final Scheduler.Worker ioWorker;

  NodeSchedulers(RaftConfig<?, ?> config) {
    ownsApply = config.applyScheduler().isEmpty();
    // The configured scheduler, else the transport's IO thread if it lends one, else a thread of
    // the node's own.
    Scheduler lent =
        config.scheduler().isPresent()
            ? null
            : config.transport().eventLoop(config.selfId()).orElse(null);
    loopFromTransport = lent != null;
    ownsLoop = config.scheduler().isEmpty() && lent == null;
    loopScheduler =
        config
            .scheduler()
            .orElseGet(
                () -> lent != null ? lent : Schedulers.newSingle("raft-loop-" + config.selfId()));
    applyScheduler =
        config
            .applyScheduler()
            .orElseGet(() -> Schedulers.newSingle("raft-apply-" + config.selfId()));
    loopWorker = loopScheduler.createWorker();
    timerWorker = loopScheduler.createWorker();
    applyWorker = applyScheduler.createWorker();
    ioWorker = config.ioScheduler().orElseGet(Schedulers::boundedElastic).createWorker();
  }

  /**
   * Whether the loop runs on the transport's thread ({@link
   * io.reactiveraft.spi.Transport#eventLoop}): the transport must then close after everything else.
   */
  boolean loopFromTransport() {
    return loopFromTransport;
  }

  /** Where blocking snapshot IO runs, one task at a time. */
  Scheduler.Worker ioWorker() {
    return ioWorker;
  }

  Scheduler.Worker loopWorker() {
    return loopWorker;
  }

  Scheduler.Worker timerWorker() {
    return timerWorker;
  }

  Scheduler.Worker applyWorker() {
    return applyWorker;
  }

  /** Where command timeouts fire. */
  Scheduler timerScheduler() {
    return loopScheduler;
  }

  Scheduler applyScheduler() {
    return applyScheduler;
  }

  /**
   * Completes once the apply and IO workers have finished what they were running (the state
   * machine's apply, query or snapshot image), or after {@code timeout}: a close hook that releases
   * the state machine's resources must not run under them.
   */
  Mono<Void> quiesce(Duration timeout) {
    // The apply worker first: what it runs may queue snapshot IO, which the IO worker's turn then
    // covers. A lent loop may be gone already (its transport closed first): time the wait
    // elsewhere.
    return afterRunning(applyWorker)
        .then(afterRunning(ioWorker))
        .timeout(timeout, Mono.empty(), loopFromTransport ? Schedulers.parallel() : loopScheduler);
  }

  /** Completes when {@code worker} has run what it holds; at once if it takes no more tasks. */
  private static Mono<Void> afterRunning(Scheduler.Worker worker) {
    return Mono.create(
        sink -> {
          try {
            worker.schedule(sink::success);
          } catch (RejectedExecutionException e) {
            sink.success();
          }
        });
  }

  void dispose() {
    timerWorker.dispose();
    applyWorker.dispose();
    ioWorker.dispose();
    loopWorker.dispose();
    if (ownsApply) {
      applyScheduler.dispose();
    }
    if (ownsLoop) {
      loopScheduler.dispose();
    }
  }
}
