package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.NodeClosedException;
import io.reactiveraft.RaftNode;
import io.reactiveraft.log.MappedLogStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

  /**
   * A restarted node applies its whole log in one batch. A close while the first entry of it
   * applies lets that apply finish, and applies nothing after it: the close hook should not wait
   * for thousands of entries, nor run while they apply.
   */
  @Test
  void aCloseDuringALongBatchAppliesNoFurtherEntryOfIt(@TempDir Path dir) throws Exception {
    RaftNode<String, String> first =
        ReactiveRaft.start(
            SingleNode.config()
                .logStore(MappedLogStore.open(dir))
                .stateMachine((index, command) -> command)
                .bootstrap(true)
                .build());
    awaitLeadership(first);
    for (String command : List.of("slow", "after-1", "after-2", "after-3")) {
      first.submit(command).block(Duration.ofSeconds(30));
    }
    first.close().block(Duration.ofSeconds(30));

    CountDownLatch applying = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> applied = new CopyOnWriteArrayList<>();
    RaftNode<String, String> second =
        ReactiveRaft.start(
            SingleNode.config()
                .logStore(MappedLogStore.open(dir))
                .stateMachine(
                    (index, command) -> {
                      applied.add(command);
                      if (command.equals("slow")) {
                        applying.countDown();
                        await(release, 30);
                      }
                      return command;
                    })
                .build());
    assertThat(applying.await(30, TimeUnit.SECONDS)).as("the apply started").isTrue();

    var closed = second.close().toFuture();
    awaitClosing(second);
    release.countDown();
    closed.get(30, TimeUnit.SECONDS);

    assertThat(applied).containsExactly("slow");
  }

  /** Polls, with a deadline, until the node refuses new reads because it is closing. */
  private static void awaitClosing(RaftNode<String, String> node) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    AtomicReference<Throwable> refused = new AtomicReference<>();
    while (!(refused.get() instanceof NodeClosedException)) {
      assertThat(System.nanoTime()).as("the node began to close").isLessThan(deadline);
      node.read("probe").subscribe(v -> {}, refused::set);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  private static void awaitLeadership(RaftNode<String, String> node) {
    node.leaderChanges()
        .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
        .blockFirst(Duration.ofSeconds(30));
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
