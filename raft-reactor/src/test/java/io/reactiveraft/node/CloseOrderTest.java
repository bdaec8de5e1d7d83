package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.RaftNode;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/** On real threads: a close hook releases what the state machine uses, so it runs after it. */
class CloseOrderTest {

  @Test
  void theCloseHookWaitsForTheApplyUnderWay() throws Exception {
    CountDownLatch applying = new CountDownLatch(1);
    CountDownLatch hookRan = new CountDownLatch(1);
    AtomicBoolean hookRanDuringApply = new AtomicBoolean();
    RaftNode<String, String> node =
        ReactiveRaft.start(
            SingleNode.config()
                .stateMachine(
                    (index, command) -> {
                      if (command.equals("slow")) {
                        applying.countDown();
                        // Long enough for a hook that does not wait to run meanwhile.
                        // An interrupt (a worker disposed under it) ends the wait early too.
                        await(hookRan, 1);
                        hookRanDuringApply.set(hookRan.getCount() == 0);
                      }
                      return command;
                    })
                .bootstrap(true)
                .closeHook(hookRan::countDown)
                .build());
    node.leaderChanges()
        .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
        .blockFirst(Duration.ofSeconds(30));
    node.submit("slow", Duration.ofSeconds(30)).subscribe(v -> {}, e -> {});
    assertThat(applying.await(30, TimeUnit.SECONDS)).as("the apply started").isTrue();

    node.close().block(Duration.ofSeconds(30));

    assertThat(hookRan.getCount()).as("the hook ran").isZero();
    assertThat(hookRanDuringApply).as("the hook ran while the state machine applied").isFalse();
  }

  @Test
  void whatFollowsTheCloseDoesNotRunOnAnInterruptedThread() {
    RaftNode<String, String> node =
        ReactiveRaft.start(
            SingleNode.config()
                .stateMachine((index, command) -> command)
                // Snapshot IO done inline: the close then ends on the node's own apply thread.
                .ioScheduler(Schedulers.immediate())
                .bootstrap(true)
                .build());
    AtomicBoolean interrupted = new AtomicBoolean(true);
    // The close ends on one of the node's own threads, which it has just shut down; a caller's
    // continuation runs there next, and an interrupt left on it would break its blocking IO.
    node.close()
        .doOnSuccess(v -> interrupted.set(Thread.currentThread().isInterrupted()))
        .block(Duration.ofSeconds(30));

    assertThat(interrupted).as("the continuation's thread was interrupted").isFalse();
  }

  private static void await(CountDownLatch latch, int seconds) {
    try {
      latch.await(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
