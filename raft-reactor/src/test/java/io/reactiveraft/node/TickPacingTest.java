package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.RaftEvent;
import io.reactiveraft.RaftNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * On real threads: ticks missed while the loop's thread stalled (a long collection, say) are not
 * run back to back afterwards. A follower that counted a burst of them right after hearing from its
 * leader would think an election timeout had passed, and stop honouring the leader's lease.
 */
class TickPacingTest {

  private static final Duration TICK = Duration.ofMillis(10);

  @Test
  void ticksMissedDuringAStallOfTheLoopAreNotRunBackToBack() throws Exception {
    RaftNode<String, String> node =
        ReactiveRaft.start(
            SingleNode.config()
                .stateMachine((index, command) -> command)
                .tickInterval(TICK)
                .build());
    AtomicBoolean stalled = new AtomicBoolean();
    AtomicLong stallEndedAt = new AtomicLong();
    List<Long> ticksAfter = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch never = new CountDownLatch(1);
    try {
      node.events()
          .filter(e -> e instanceof RaftEvent.Tick)
          .subscribe(
              tick -> {
                if (stalled.compareAndSet(false, true)) {
                  // The stall itself: this subscriber runs on the loop's thread and holds it for
                  // 30 ticks' worth of time.
                  try {
                    never.await(30 * TICK.toMillis(), TimeUnit.MILLISECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  stallEndedAt.set(System.nanoTime());
                } else {
                  ticksAfter.add(System.nanoTime());
                }
              });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!lastTickLaterThan(ticksAfter, stallEndedAt.get(), 10 * TICK.toNanos())) {
        assertThat(System.nanoTime()).as("ticks go on after the stall").isLessThan(deadline);
        LockSupport.parkNanos(1_000_000); // polls without taking a core from the nodes
      }
      long soonAfter =
          snapshot(ticksAfter).stream()
              .filter(t -> t - stallEndedAt.get() < 5 * TICK.toNanos())
              .count();
      // Paced, about five ticks fit in five intervals; a fixed rate ran the thirty missed at once.
      assertThat(soonAfter).as("ticks within 5 intervals of the stall's end").isLessThan(12);
    } finally {
      node.close().block(Duration.ofSeconds(30));
    }
  }

  private static boolean lastTickLaterThan(List<Long> ticks, long from, long nanos) {
    List<Long> copy = snapshot(ticks);
    return from != 0 && !copy.isEmpty() && copy.get(copy.size() - 1) - from > nanos;
  }

  private static List<Long> snapshot(List<Long> ticks) {
    synchronized (ticks) {
      return new ArrayList<>(ticks);
    }
  }
}
