package io.reactiveraft.log;

import static io.reactiveraft.log.MappedLogStoreTest.entries;
import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.log.MappedLogStoreTest.Closing;
import io.reactiveraft.spi.LogStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit index a store records for the node's next start ({@link LogStore#commitIndex}): the
 * mapped store records it with its watermark, never above what it has forced, and the in-memory
 * store keeps it for a node restarted on it. Crashes at every point are {@link
 * LogCrashRecoveryTest}'s.
 */
class StoredCommitIndexTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final MappedLogOptions SMALL =
      MappedLogOptions.builder().segmentSize(64 * 1024).cacheSize(8).build();

  @TempDir Path dir;

  @Test
  void aNewStoreKnowsNoCommitIndex() {
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      assertThat(store.get().commitIndex()).isZero();
    }
    assertThat(new InMemoryLogStore().commitIndex()).isZero();
  }

  @Test
  void theCommitIndexSurvivesAReopen() {
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      store.get().append(entries(1, 10, 1, 100, 1));
      store.get().flush().block(WAIT);
      store.get().saveCommitIndex(8);
    }
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      assertThat(store.get().commitIndex()).isEqualTo(8);
      assertThat(store.get().lastIndex()).isEqualTo(10);
    }
  }

  /**
   * Nothing else asked of the store: the IO thread, parked with nothing to do, is woken for the
   * commit index and records it within about a millisecond of going idle again.
   */
  @Test
  void anIdleStoreRecordsTheCommitIndexWithoutAnotherCall() {
    try (var store = new Closing(MappedLogStore.open(dir.resolve("idle"), SMALL))) {
      store.get().append(entries(1, 10, 1, 100, 2));
      store.get().flush().block(WAIT);
      awaitParkedWithNothingToRecord("raft-log-idle");
      store.get().saveCommitIndex(7);

      awaitCommitIndex(store.get(), 7);
    }
  }

  /**
   * A leader commits on its followers' copies before its own are forced: the store records the
   * commit index only as far as its forced log reaches, and the rest once a flush forces it.
   */
  @Test
  void theCommitIndexIsNeverRecordedAboveWhatIsForced() {
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      store.get().append(entries(1, 5, 1, 100, 3));
      store.get().flush().block(WAIT);
      store.get().append(entries(6, 10, 1, 100, 4));
      store.get().saveCommitIndex(10);

      awaitCommitIndex(store.get(), 5);
      assertThat(store.get().commitIndex()).as("capped at the forced entries").isEqualTo(5);

      store.get().flush().block(WAIT);
      awaitCommitIndex(store.get(), 10);
    }
  }

  /**
   * The store's promise holds even against a caller that truncates committed entries: the index
   * falls with the log, and the entries written in their place are not committed by it.
   */
  @Test
  void aTruncationBelowTheCommitIndexLowersIt() {
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      store.get().append(entries(1, 10, 1, 100, 5));
      store.get().flush().block(WAIT);
      store.get().saveCommitIndex(10);
      awaitCommitIndex(store.get(), 10);

      store.get().truncateSuffix(6);
      store.get().written().block(WAIT);

      assertThat(store.get().commitIndex()).isEqualTo(5);
      // What takes the removed entries' place is not committed by the index saved before.
      store.get().append(entries(6, 10, 2, 100, 9));
      store.get().flush().block(WAIT);
      store.get().saveCommitIndex(7);
      awaitCommitIndex(store.get(), 7);
    }
    InMemoryLogStore memory = new InMemoryLogStore();
    memory.append(entries(1, 10, 1, 10, 6));
    memory.saveCommitIndex(10);
    memory.truncateSuffix(6);
    assertThat(memory.commitIndex()).isEqualTo(5);
  }

  /**
   * A follower installs a snapshot past the end of its log: the commit index jumps with the new
   * start, and is recorded only with it, by the flush that makes the start durable, in one metadata
   * write. Before that flush a crash would find the old log, whose entries past index 3 the
   * snapshot replaced and nothing committed.
   */
  @Test
  void aSnapshotPastTheEndOfTheLogRecordsItsIndexWithTheNewStart() {
    try (var store = new Closing(MappedLogStore.open(dir.resolve("installed"), SMALL))) {
      store.get().append(entries(1, 8, 1, 100, 7));
      store.get().flush().block(WAIT);
      store.get().saveCommitIndex(3);
      awaitCommitIndex(store.get(), 3);

      store.get().discardPrefix(20);
      store.get().saveCommitIndex(20);
      store.get().written().block(WAIT);
      awaitParkedWithNothingToRecord("raft-log-installed");
      assertThat(store.get().commitIndex()).as("held back until the start is durable").isEqualTo(3);

      store.get().flush().block(WAIT);
      assertThat(store.get().commitIndex()).isEqualTo(20);
    }
    try (var store = new Closing(MappedLogStore.open(dir.resolve("installed"), SMALL))) {
      assertThat(store.get().firstIndex()).isEqualTo(21);
      assertThat(store.get().commitIndex()).isEqualTo(20);
    }
  }

  @Test
  void theInMemoryStoreKeepsTheCommitIndexWithinItsLog() {
    InMemoryLogStore store = new InMemoryLogStore();
    store.append(entries(1, 4, 1, 10, 8));
    store.saveCommitIndex(9); // beyond the log: capped
    assertThat(store.commitIndex()).isEqualTo(4);
    store.saveCommitIndex(2); // lower than recorded: ignored
    assertThat(store.commitIndex()).isEqualTo(4);
  }

  /**
   * Polls until the store's IO thread parks with no deadline: it parks for a millisecond while it
   * has a watermark or commit index to record, and records it when that runs out, so from then on
   * the metadata file holds everything the thread meant to record.
   */
  private static void awaitParkedWithNothingToRecord(String threadName) {
    Thread writer =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals(threadName))
            .findFirst()
            .orElseThrow();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (writer.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime())
          .as("%s parked within %s", threadName, WAIT)
          .isLessThan(deadline);
      LockSupport.parkNanos(100_000);
    }
  }

  /** Polls until the recorded commit index reaches {@code expected}; fails past it or on time. */
  private static void awaitCommitIndex(LogStore store, long expected) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (store.commitIndex() < expected) {
      assertThat(System.nanoTime())
          .as("commit index %d within %s", expected, WAIT)
          .isLessThan(deadline);
      LockSupport.parkNanos(1_000_000);
    }
    assertThat(store.commitIndex()).isEqualTo(expected);
  }
}
