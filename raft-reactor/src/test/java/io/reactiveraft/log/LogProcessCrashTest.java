package io.reactiveraft.log;

import static io.reactiveraft.log.LogTruncationTest.entry;
import static io.reactiveraft.log.LogTruncationTest.payloadBetween;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.spi.HardState;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A process killed (SIGKILL) leaves its writes in the OS page cache: the next process reads them,
 * but they are not durable until someone forces them. Whatever a store reports when it opens must
 * survive a power loss that follows.
 */
class LogProcessCrashTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final MappedLogOptions OPTIONS =
      MappedLogOptions.builder().segmentSize(4 * PageCacheDirectory.PAGE).cacheSize(0).build();

  /**
   * The dead process zeroed the truncated records 2 and 3 but died before forcing the zeros. The
   * next process sees a log that ends at 1, rewrites entry 2 (ending on a page boundary) and
   * flushes; the old entry 3 on the next page must not come back after a power loss.
   */
  @Test
  void zerosLeftUnforcedByADeadProcessAreForcedAtOpen() {
    int size =
        payloadBetween(Segment.HEADER_SIZE + RecordCodec.HEADER_SIZE, PageCacheDirectory.PAGE);
    PageCacheDirectory dir = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS, "t");
    store.append(List.of(entry(1, 1, 0, 0), entry(2, 3, size, 2), entry(3, 3, 100, 3)));
    store.flush().block(WAIT);
    dir.crashOn("force " + Segment.fileName(1), 1); // the force of the zeros
    store.truncateSuffix(2);
    assertThatThrownBy(() -> store.written().block(WAIT))
        .hasRootCauseMessage("simulated power loss");
    store.close();

    PageCacheDirectory restarted = dir.afterProcessKill();
    MappedLogStore second = MappedLogStore.open(restarted, OPTIONS, "t");
    assertThat(second.lastIndex()).isEqualTo(1);
    second.append(List.of(entry(2, 2, size, 4)));
    second.flush().block(WAIT);
    second.close();

    LogTruncationTest.assertLog(restarted.durableImage(), entry(1, 1, 0, 0), entry(2, 2, size, 4));
  }

  /** The dead process deleted segment 2 in a truncation but never synced the directory. */
  @Test
  void aSegmentDeletedByADeadProcessDoesNotComeBack() {
    PageCacheDirectory dir = new PageCacheDirectory();
    MappedLogOptions small =
        MappedLogOptions.builder().segmentSize(2 * PageCacheDirectory.PAGE).cacheSize(0).build();
    MappedLogStore store = MappedLogStore.open(dir, small, "t");
    store.append(List.of(entry(1, 1, 4000, 1), entry(2, 3, 4200, 2))); // entry 2 rolls over
    store.flush().block(WAIT);
    assertThat(dir.list()).contains(Segment.fileName(2));
    dir.crashOn("sync", 1); // right after deleting segment 2
    store.truncateSuffix(2);
    assertThatThrownBy(() -> store.written().block(WAIT))
        .hasRootCauseMessage("simulated power loss");
    store.close();

    PageCacheDirectory restarted = dir.afterProcessKill();
    MappedLogStore second = MappedLogStore.open(restarted, small, "t");
    assertThat(second.lastIndex()).isEqualTo(1);
    second.close();

    MappedLogStore third = MappedLogStore.open(restarted.durableImage(), small, "t");
    try {
      assertThat(third.lastIndex()).isEqualTo(1);
    } finally {
      third.close();
    }
  }

  /** The dead process wrote a new term and vote but died before forcing them. */
  @Test
  void aTermAndVoteReadAtOpenAreDurable() {
    PageCacheDirectory dir = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS, "t");
    dir.crashOn("force " + MetadataFile.NAME, 1);
    assertThatThrownBy(() -> store.saveHardState(new HardState(5, "n2")))
        .hasRootCauseMessage("simulated power loss");
    store.close();

    PageCacheDirectory restarted = dir.afterProcessKill();
    MappedLogStore second = MappedLogStore.open(restarted, OPTIONS, "t");
    HardState seen = second.hardState();
    second.close();

    MappedLogStore third = MappedLogStore.open(restarted.durableImage(), OPTIONS, "t");
    try {
      // The node may have acted on what it saw (sent messages in term 5): it must not go back.
      assertThat(seen).isEqualTo(new HardState(5, "n2"));
      assertThat(third.hardState()).isEqualTo(seen);
    } finally {
      third.close();
    }
  }
}
