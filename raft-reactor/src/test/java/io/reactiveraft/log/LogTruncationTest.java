package io.reactiveraft.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Truncation of a suffix, and what a power loss right after it may bring back: never an old record
 * after a new one (the random crash test covers the general case; these pin the two layouts where
 * an old record lines up exactly with the new ones).
 */
class LogTruncationTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final MappedLogOptions OPTIONS =
      MappedLogOptions.builder().segmentSize(4 * PageCacheDirectory.PAGE).cacheSize(0).build();
  private static final String SEGMENT = Segment.fileName(1);

  static LogEntry entry(long index, long term, int size, int fill) {
    byte[] payload = new byte[size];
    Arrays.fill(payload, (byte) fill);
    return new LogEntry(index, term, EntryType.COMMAND, payload);
  }

  /** The payload that makes a record starting at {@code offset} end at {@code end}. */
  static int payloadBetween(int offset, int end) {
    return end - offset - RecordCodec.HEADER_SIZE;
  }

  /**
   * The rewritten entry 2 has exactly the size of the one it replaces, so the old entry 3 starts
   * where the new entry 3 will. Were the old records only invalidated at their first header, a
   * power loss before the new entry 3 reaches the disk would read the old one back after the new
   * entry 2, although its term is higher and it was never part of this log again.
   */
  @Test
  void oldRecordsNeverReappearWhenRewrittenInPlace() {
    PageCacheDirectory dir = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS, "t");
    store.append(List.of(entry(1, 1, 100, 1), entry(2, 3, 100, 2), entry(3, 3, 100, 3)));
    store.flush().block(WAIT);

    store.truncateSuffix(2);
    store.append(List.of(entry(2, 2, 100, 4))); // a lower term than the entries it replaces
    store.flush().block(WAIT);
    store.append(List.of(entry(3, 2, 100, 5)));
    store.written().block(WAIT);

    PageCacheDirectory rebooted = dir.durableImage();
    store.close();
    assertLog(rebooted, entry(1, 1, 100, 1), entry(2, 2, 100, 4));
  }

  /**
   * The discarded records are zeroed and those zeros forced before anything new is written. Here
   * the new entry 2 ends exactly at a page boundary, where the old entry 3 begins: if the zeros
   * were only forced together with the new records, a power loss keeping the new entry's page but
   * not the next would bring the old entry 3 back.
   */
  @Test
  void zerosOfATruncationAreDurableBeforeNewRecordsAreWritten() {
    int page = PageCacheDirectory.PAGE;
    int second = Segment.HEADER_SIZE + RecordCodec.HEADER_SIZE;
    int size = payloadBetween(second, page);
    PageCacheDirectory dir = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS, "t");
    store.append(List.of(entry(1, 1, 0, 0), entry(2, 3, size, 2), entry(3, 3, 100, 3)));
    store.flush().block(WAIT);

    store.truncateSuffix(2);
    store.append(List.of(entry(2, 2, size, 4)));
    store.written().block(WAIT);

    // The page of the new entry 2 reaches the disk, nothing else does.
    PageCacheDirectory rebooted =
        dir.crashImage(Integer.MAX_VALUE, (file, p) -> file.equals(SEGMENT) && p == 0);
    store.close();
    assertLog(rebooted, entry(1, 1, 0, 0), entry(2, 2, size, 4));
  }

  static void assertLog(PageCacheDirectory dir, LogEntry... expected) {
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS, "t");
    try {
      assertThat(store.entries(store.firstIndex(), store.lastIndex())).containsExactly(expected);
    } finally {
      store.close();
    }
  }
}
