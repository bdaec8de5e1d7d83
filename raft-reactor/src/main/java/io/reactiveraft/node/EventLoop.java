package io.reactiveraft.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import reactor.core.scheduler.Scheduler;

/**
 * The serialized input stream of one node: any thread may {@link #offer} an input; one worker
 * drains everything queued as a batch and hands it to the batch handler. A multi-producer queue
 * with a work-in-progress counter merges the sources without locks and without the retry spin of a
 * serialized {@code Sinks.Many}.
 */
final class EventLoop {

  /** Caps one batch so timers keep their resolution under a flood of inputs. */
  private static final int MAX_BATCH = 8192;

  private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger wip = new AtomicInteger();
  private final Scheduler.Worker worker;
  private final Consumer<List<Object>> batchHandler;
  private final List<Object> batch = new ArrayList<>();

  EventLoop(Scheduler.Worker worker, Consumer<List<Object>> batchHandler) {
    this.worker = worker;
    this.batchHandler = batchHandler;
  }

  /** Set once the worker is gone; inputs are then handled on the thread that offers them. */
  private volatile boolean closed;

  /** Queues an input; thread-safe and non-blocking. */
  void offer(Object input) {
    queue.offer(input);
    if (closed) {
      drainClosed();
      return;
    }
    if (wip.getAndIncrement() == 0) {
      try {
        worker.schedule(this::drain);
      } catch (RejectedExecutionException e) {
        // The node has stopped and its worker is gone: drain here, so late queries and
        // proposals are still answered (with "closed") instead of waiting forever.
        drain();
      }
    }
  }

  /**
   * Called once the worker is disposed. Disposing it may have cancelled a drain it had queued, and
   * the count of inputs would then never return to zero: later offers would wait for a drain that
   * never comes. So from now on whoever offers drains, one caller at a time.
   */
  void close() {
    closed = true;
    drainClosed();
  }

  private synchronized void drainClosed() {
    List<Object> rest = new ArrayList<>();
    Object input;
    while ((input = queue.poll()) != null) {
      rest.add(input);
    }
    if (!rest.isEmpty()) {
      batchHandler.accept(rest);
    }
  }

  private void drain() {
    int missed = 1;
    while (true) {
      Object input;
      while ((input = queue.poll()) != null) {
        batch.add(input);
        if (batch.size() >= MAX_BATCH) {
          runBatch();
        }
      }
      if (!batch.isEmpty()) {
        runBatch();
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void runBatch() {
    try {
      batchHandler.accept(batch);
    } finally {
      batch.clear();
    }
  }
}
