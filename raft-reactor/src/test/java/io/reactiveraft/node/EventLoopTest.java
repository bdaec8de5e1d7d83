package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

class EventLoopTest {

  @Test
  void drainsWhatIsQueuedAsOneBatchOnTheWorker() {
    ManualWorker worker = new ManualWorker();
    List<List<Object>> batches = new ArrayList<>();
    EventLoop loop = new EventLoop(worker, b -> batches.add(List.copyOf(b)));
    loop.offer("a");
    loop.offer("b");
    assertThat(batches).as("nothing runs on the offering thread").isEmpty();
    assertThat(worker.tasks).as("one drain for both").hasSize(1);
    worker.runAll();
    assertThat(batches).containsExactly(List.of("a", "b"));
  }

  @Test
  void aDrainCancelledWithItsWorkerDoesNotStrandLaterInputs() {
    ManualWorker worker = new ManualWorker();
    List<Object> handled = new ArrayList<>();
    EventLoop loop = new EventLoop(worker, handled::addAll);
    loop.offer("queued before the worker went");
    worker.dispose(); // drops the drain it had been given
    loop.offer("offered to a loop that still waits for that drain");
    assertThat(handled).isEmpty();

    loop.close();
    assertThat(handled)
        .containsExactly(
            "queued before the worker went", "offered to a loop that still waits for that drain");
    loop.offer("offered after the close");
    assertThat(handled).hasSize(3).last().isEqualTo("offered after the close");
  }

  /** Runs its tasks when told to; once disposed it drops them and refuses new ones. */
  private static final class ManualWorker implements Scheduler.Worker {
    final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean disposed;

    @Override
    public Disposable schedule(Runnable task) {
      if (disposed) {
        throw new RejectedExecutionException("disposed");
      }
      tasks.add(task);
      return () -> tasks.remove(task);
    }

    void runAll() {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        task.run();
      }
    }

    @Override
    public void dispose() {
      disposed = true;
      tasks.clear();
    }

    @Override
    public boolean isDisposed() {
      return disposed;
    }
  }
}
