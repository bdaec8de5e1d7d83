package io.reactiveraft.log;

import static io.reactiveraft.log.MappedLogStoreTest.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.message.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discarding a log prefix that a snapshot covers: what the store serves afterwards, where it
 * continues, what a restart finds with and without a flush, and when old segments go.
 */
class LogCompactionTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  /** About 14 entries of 1 KiB per segment. */
  private static final MappedLogOptions OPTIONS =
      MappedLogOptions.builder().segmentSize(4 * PageCacheDirectory.PAGE).cacheSize(4).build();

  @TempDir Path dir;

  @Test
  void readsStartAtTheNewFirstIndexAndAppendsContinue() {
    List<LogEntry> all = entries(1, 100, 1, 1000, 1);
    List<LogEntry> more = entries(101, 110, 2, 1000, 2);
    List<LogEntry> last = entries(111, 130, 2, 1000, 3);
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    try {
      store.append(all);
      store.flush().block(WAIT);
      store.discardPrefix(40);
      assertThat(store.firstIndex()).isEqualTo(41);
      assertThat(store.lastIndex()).isEqualTo(100);
      assertThat(store.entries(41, 100)).containsExactlyElementsOf(all.subList(40, 100));
      assertThatThrownBy(() -> store.entries(40, 41))
          .isInstanceOf(IndexOutOfBoundsException.class)
          .hasMessageContaining("outside [41, 100]");
      assertThatThrownBy(() -> store.entries(1, 1)).isInstanceOf(IndexOutOfBoundsException.class);

      // Entries still in the cache, some not even copied yet, leave it too.
      store.append(more);
      store.discardPrefix(105);
      assertThat(store.firstIndex()).isEqualTo(106);
      assertThatThrownBy(() -> store.entries(105, 105))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThat(store.entries(106, 110)).containsExactlyElementsOf(more.subList(5, 10));
      store.append(last);
      store.written().block(WAIT);
      assertThat(store.entries(106, 130).subList(5, 25)).containsExactlyElementsOf(last);
      store.flush().block(WAIT);
    } finally {
      store.close();
    }
    MappedLogStore reopened = MappedLogStore.open(disk.durableImage(), OPTIONS, "t");
    try {
      assertThat(reopened.firstIndex()).isEqualTo(106);
      assertThat(reopened.lastIndex()).isEqualTo(130);
      List<LogEntry> expected = new ArrayList<>(more.subList(5, 10));
      expected.addAll(last);
      assertThat(reopened.entries(106, 130)).containsExactlyElementsOf(expected);
    } finally {
      reopened.close();
    }
  }

  @Test
  void discardingEverythingContinuesTheLogAfterTheDiscardedIndex() {
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    List<LogEntry> after = entries(501, 510, 1, 100, 5);
    try {
      store.append(entries(1, 10, 3, 100, 4));
      store.flush().block(WAIT);
      store.discardPrefix(500);
      assertThat(store.firstIndex()).isEqualTo(501);
      assertThat(store.lastIndex()).isEqualTo(500);
      assertThat(store.entries(501, 500)).isEmpty();
      assertThatThrownBy(() -> store.entries(500, 500))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> store.append(entries(11, 11, 3, 10, 6)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not continue the log at 500");
      // Term 1 after entries of term 3: those left the log, and the snapshot decides the term.
      store.append(after);
      assertThat(store.entries(501, 510)).containsExactlyElementsOf(after);
      store.flush().block(WAIT);
      // Segments below the start are deleted after the flush is answered, in the same turn.
      store.written().block(WAIT);
      assertThat(disk.list()).contains(Segment.fileName(501)).doesNotContain(Segment.fileName(1));
    } finally {
      store.close();
    }
    MappedLogStore reopened = MappedLogStore.open(disk.durableImage(), OPTIONS, "t");
    try {
      assertThat(reopened.firstIndex()).isEqualTo(501);
      assertThat(reopened.entries(501, reopened.lastIndex())).containsExactlyElementsOf(after);
    } finally {
      reopened.close();
    }
  }

  @Test
  void anEmptyLogRestartsAtItsStart() {
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    store.append(entries(1, 30, 2, 1000, 7));
    store.discardPrefix(1000);
    store.flush().block(WAIT);
    store.close();
    assertThat(disk.list()).noneMatch(name -> name.endsWith(Segment.SUFFIX));

    PageCacheDirectory rebooted = disk.durableImage();
    MappedLogStore second = MappedLogStore.open(rebooted, OPTIONS, "t");
    try {
      assertThat(second.firstIndex()).isEqualTo(1001);
      assertThat(second.lastIndex()).isEqualTo(1000);
      assertThat(second.entries(1001, 1000)).isEmpty();
      second.append(entries(1001, 1001, 1, 10, 8));
      second.flush().block(WAIT);
    } finally {
      second.close();
    }
    MappedLogStore third = MappedLogStore.open(rebooted.durableImage(), OPTIONS, "t");
    try {
      assertThat(third.firstIndex()).isEqualTo(1001);
      assertThat(third.entries(1001, 1001))
          .containsExactlyElementsOf(entries(1001, 1001, 1, 10, 8));
    } finally {
      third.close();
    }
  }

  @Test
  void aCrashBeforeTheNextFlushMayBringTheDiscardedEntriesBack() {
    List<LogEntry> all = entries(1, 60, 1, 1000, 9);
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    store.append(all);
    store.flush().block(WAIT);
    store.discardPrefix(45);
    store.written().block(WAIT);
    PageCacheDirectory rebooted = disk.durableImage();
    store.close();

    MappedLogStore reopened = MappedLogStore.open(rebooted, OPTIONS, "t");
    try {
      assertThat(reopened.firstIndex()).isEqualTo(1);
      assertThat(reopened.entries(1, reopened.lastIndex())).containsExactlyElementsOf(all);
    } finally {
      reopened.close();
    }
  }

  /** Entries appended after the new start live in a segment that the old start cannot reach. */
  @Test
  void aCrashBeforeTheNextFlushAfterDiscardingEverythingKeepsTheOldLog() {
    List<LogEntry> old = entries(1, 10, 1, 100, 10);
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    store.append(old);
    store.flush().block(WAIT);
    store.discardPrefix(30);
    store.append(entries(31, 35, 2, 100, 11));
    store.written().block(WAIT);
    assertThat(disk.list()).contains(Segment.fileName(31));
    PageCacheDirectory rebooted = disk.durableImage();
    store.close();

    MappedLogStore reopened = MappedLogStore.open(rebooted, OPTIONS, "t");
    try {
      assertThat(reopened.firstIndex()).isEqualTo(1);
      assertThat(reopened.entries(1, reopened.lastIndex())).containsExactlyElementsOf(old);
    } finally {
      reopened.close();
    }
    assertThat(rebooted.list()).doesNotContain(Segment.fileName(31));
  }

  @Test
  void aFlushMakesTheNewStartDurable() {
    List<LogEntry> all = entries(1, 60, 1, 1000, 12);
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    store.append(all);
    store.flush().block(WAIT);
    store.discardPrefix(45);
    store.flush().block(WAIT);
    PageCacheDirectory rebooted = disk.durableImage();
    store.close();

    MappedLogStore reopened = MappedLogStore.open(rebooted, OPTIONS, "t");
    try {
      assertThat(reopened.firstIndex()).isEqualTo(46);
      assertThat(reopened.entries(46, 60)).containsExactlyElementsOf(all.subList(45, 60));
    } finally {
      reopened.close();
    }
  }

  /**
   * The start reached the metadata file but the machine stopped before the old segments went: the
   * next open deletes them and never mistakes them for a gap.
   */
  @Test
  void segmentsLeftBelowTheStartByACrashAreDeletedAtOpen() {
    List<LogEntry> all = entries(1, 60, 1, 1000, 13);
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    store.append(all);
    store.flush().block(WAIT);
    List<String> before = segments(disk.list());
    assertThat(before).hasSizeGreaterThan(3);
    disk.crashOn("delete " + before.get(0), 1);
    store.discardPrefix(45);
    store.flush().block(WAIT); // the new start is durable before the flush is answered
    assertThatThrownBy(() -> store.written().block(WAIT)).isNotNull(); // the delete crashed
    PageCacheDirectory rebooted = disk.durableImage();
    store.close();
    assertThat(segments(rebooted.list())).isEqualTo(before);

    MappedLogStore reopened = MappedLogStore.open(rebooted, OPTIONS, "t");
    try {
      assertThat(reopened.firstIndex()).isEqualTo(46);
      assertThat(reopened.entries(46, 60)).containsExactlyElementsOf(all.subList(45, 60));
    } finally {
      reopened.close();
    }
    List<String> left = segments(rebooted.durableImage().list());
    assertThat(left).hasSizeLessThan(before.size());
    assertThat(Segment.parseFirstIndex(left.get(0))).isLessThanOrEqualTo(46);
  }

  @Test
  void segmentsBelowTheStartAreDeletedOnlyByTheNextFlush() throws IOException {
    MappedLogOptions options =
        MappedLogOptions.builder().segmentSize(64 * 1024).cacheSize(8).build();
    List<LogEntry> all = entries(1, 600, 1, 1000, 14);
    MappedLogStore store = MappedLogStore.open(dir, options);
    try {
      store.append(all);
      store.flush().block(WAIT);
      List<String> before = segments(dir);
      assertThat(before).hasSizeGreaterThan(5);
      long keep = Segment.parseFirstIndex(before.get(3));

      store.discardPrefix(keep + 1); // inside the fourth segment, which must stay
      store.written().block(WAIT);
      assertThat(segments(dir)).as("not before the start is durable").isEqualTo(before);

      store.flush().block(WAIT);
      store.written().block(WAIT); // deleted after the flush is answered
      assertThat(segments(dir)).isEqualTo(before.subList(3, before.size()));
      assertThat(store.entries(keep + 2, 600))
          .containsExactlyElementsOf(all.subList((int) keep + 1, 600));
    } finally {
      store.close();
    }
  }

  @Test
  void discardingBelowTheFirstIndexChangesNothing() {
    List<LogEntry> all = entries(1, 30, 1, 100, 15);
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    try {
      store.discardPrefix(0); // an empty new log
      assertThat(store.firstIndex()).isEqualTo(1);
      assertThat(store.lastIndex()).isZero();
      store.append(all);
      store.discardPrefix(10);
      store.discardPrefix(10);
      store.discardPrefix(3);
      store.discardPrefix(-1);
      assertThat(store.firstIndex()).isEqualTo(11);
      assertThat(store.lastIndex()).isEqualTo(30);
      assertThat(store.entries(11, 30)).containsExactlyElementsOf(all.subList(10, 30));
      store.flush().block(WAIT);
    } finally {
      store.close();
    }
    MappedLogStore reopened = MappedLogStore.open(disk.durableImage(), OPTIONS, "t");
    try {
      assertThat(reopened.firstIndex()).isEqualTo(11);
      assertThat(reopened.lastIndex()).isEqualTo(30);
    } finally {
      reopened.close();
    }
  }

  @Test
  void truncationAfterCompactionKeepsTheStart() {
    List<LogEntry> all = entries(1, 100, 5, 300, 16);
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    List<LogEntry> expected = new ArrayList<>();
    try {
      store.append(all);
      store.flush().block(WAIT);
      store.discardPrefix(40);
      store.truncateSuffix(60);
      assertThat(store.lastIndex()).isEqualTo(59);
      assertThat(store.entries(41, 59)).containsExactlyElementsOf(all.subList(40, 59));
      store.append(entries(60, 70, 6, 300, 17));
      // Everything from the start, and below it means the same.
      store.truncateSuffix(10);
      assertThat(store.firstIndex()).isEqualTo(41);
      assertThat(store.lastIndex()).isEqualTo(40);
      // Records of term 5 still sit before the start in its segment; they do not bind this term.
      expected.addAll(entries(41, 50, 2, 300, 18));
      store.append(expected);
      store.flush().block(WAIT);
    } finally {
      store.close();
    }
    PageCacheDirectory rebooted = disk.durableImage();
    MappedLogStore reopened = MappedLogStore.open(rebooted, OPTIONS, "t");
    try {
      assertThat(reopened.firstIndex()).isEqualTo(41);
      assertThat(reopened.entries(41, reopened.lastIndex())).containsExactlyElementsOf(expected);
      reopened.truncateSuffix(41);
      reopened.flush().block(WAIT);
    } finally {
      reopened.close();
    }
    MappedLogStore third = MappedLogStore.open(rebooted.durableImage(), OPTIONS, "t");
    try {
      assertThat(third.firstIndex()).isEqualTo(41);
      assertThat(third.lastIndex()).isEqualTo(40);
    } finally {
      third.close();
    }
  }

  /**
   * An earlier start let the term drop (entries after a compaction may carry any term); a later
   * start inside the same segment must still be reachable past that drop.
   */
  @Test
  void aTermDropAtAnEarlierStartDoesNotHideALaterOne() {
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "t");
    List<LogEntry> kept = entries(6, 8, 2, 50, 20);
    try {
      store.append(entries(1, 8, 5, 50, 19));
      store.discardPrefix(5);
      store.truncateSuffix(6);
      store.append(kept); // behind the records 1..5 of term 5, in the same segment
      store.discardPrefix(6);
      store.flush().block(WAIT);
      assertThat(disk.list()).contains(Segment.fileName(1)).doesNotContain(Segment.fileName(6));
    } finally {
      store.close();
    }
    MappedLogStore reopened = MappedLogStore.open(disk.durableImage(), OPTIONS, "t");
    try {
      assertThat(reopened.firstIndex()).isEqualTo(7);
      assertThat(reopened.entries(7, reopened.lastIndex()))
          .containsExactlyElementsOf(kept.subList(1, 3));
    } finally {
      reopened.close();
    }
  }

  private static List<String> segments(List<String> names) {
    return names.stream().filter(n -> Segment.parseFirstIndex(n) > 0).sorted().toList();
  }

  private static List<String> segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return segments(files.map(p -> p.getFileName().toString()).toList());
    }
  }
}
