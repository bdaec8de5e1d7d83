package io.reactiveraft.log;

import io.reactiveraft.message.LogEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where every entry of the log lives: for each segment, the offset of each of its records. The
 * event loop owns it and plans here where appended entries go, so that the IO thread only follows
 * instructions and reads can find any entry without asking the IO thread.
 *
 * <p>Memory: 4 bytes per entry. Not thread-safe: the store's lock guards it.
 */
final class LogLayout {

  /** The records of one segment. */
  static final class Span {
    private final Segment segment;
    private int[] offsets;
    private int count;
    private int end;

    /**
     * A new segment's span, with room for {@code expectedRecords} offsets: the previous segment's
     * count, so that a full segment's offsets (half a million for 64 MiB of 100-byte commands) are
     * not regrown by doubling, each copy garbage, and the larger ones allocated straight into the
     * old generation.
     */
    Span(Segment segment, int expectedRecords) {
      this(segment, new int[Math.max(16, expectedRecords)], 0, Segment.HEADER_SIZE);
    }

    Span(Segment segment, int[] offsets, int count, int end) {
      this.segment = segment;
      this.offsets = offsets;
      this.count = count;
      this.end = end;
    }

    Segment segment() {
      return segment;
    }

    long firstIndex() {
      return segment.firstIndex();
    }

    /** firstIndex() - 1 when the segment holds no record yet. */
    long lastIndex() {
      return segment.firstIndex() + count - 1;
    }

    /** The offset just after the last record. */
    int end() {
      return end;
    }

    int offsetOf(long index) {
      return offsets[(int) (index - segment.firstIndex())];
    }

    /** The offset just after the record of {@code index}. */
    int endOf(long index) {
      return index < lastIndex() ? offsetOf(index + 1) : end;
    }

    boolean fits(int recordSize) {
      return (long) end + recordSize <= segment.capacity();
    }

    void add(int recordSize) {
      if (count == offsets.length) {
        offsets = Arrays.copyOf(offsets, count * 2);
      }
      offsets[count++] = end;
      end += recordSize;
    }

    void truncate(long fromIndex) {
      int keep = (int) (fromIndex - segment.firstIndex());
      end = offsets[keep];
      count = keep;
    }
  }

  /** Entries to write back to back into one segment, starting at {@code offset}. */
  record Run(Segment segment, boolean newSegment, int offset, List<LogEntry> entries) {}

  /**
   * What a truncation leaves: the segment that now ends the log and where (null when no segment is
   * left), and the later segments to delete.
   */
  record Cut(Segment keep, int keepEnd, List<Segment> dropped) {}

  private final ArrayList<Span> spans;
  private long startIndex;
  private long lastIndex;

  /**
   * @param startIndex the index of the first entry the log holds (or would hold)
   * @param recovered the spans found on disk, in order and contiguous; the first may begin with
   *     records below {@code startIndex}, which are kept only as the way to the ones after them
   */
  LogLayout(long startIndex, List<Span> recovered) {
    this.startIndex = startIndex;
    this.spans = new ArrayList<>(recovered);
    this.lastIndex = startIndex - 1;
    for (Span s : recovered) {
      lastIndex = Math.max(lastIndex, s.lastIndex());
    }
  }

  long firstIndex() {
    return startIndex;
  }

  long lastIndex() {
    return lastIndex;
  }

  /**
   * Plans where {@code entries} (which continue the log) go: after the last record of the last
   * segment while they fit, then into new segments of {@code segmentSize} bytes named by the first
   * entry they hold.
   */
  List<Run> place(List<LogEntry> entries, int segmentSize) {
    List<Run> runs = new ArrayList<>(1);
    Span span = spans.isEmpty() ? null : spans.get(spans.size() - 1);
    int runStart = 0;
    int runOffset = span == null ? 0 : span.end();
    boolean runIsNew = false;
    for (int i = 0; i < entries.size(); i++) {
      LogEntry e = entries.get(i);
      int size = RecordCodec.size(e);
      if (span == null || !span.fits(size)) {
        if (span != null && i > runStart) {
          runs.add(new Run(span.segment(), runIsNew, runOffset, entries.subList(runStart, i)));
        }
        span = new Span(new Segment(e.index(), segmentSize), span == null ? 0 : span.count);
        spans.add(span);
        runStart = i;
        runOffset = span.end();
        runIsNew = true;
      }
      span.add(size);
    }
    runs.add(
        new Run(span.segment(), runIsNew, runOffset, entries.subList(runStart, entries.size())));
    lastIndex = entries.get(entries.size() - 1).index();
    return runs;
  }

  /** Forgets every entry at or after {@code fromIndex} (which is within the log). */
  Cut truncate(long fromIndex) {
    List<Segment> dropped = new ArrayList<>();
    while (!spans.isEmpty() && spans.get(spans.size() - 1).firstIndex() >= fromIndex) {
      dropped.add(spans.remove(spans.size() - 1).segment());
    }
    lastIndex = fromIndex - 1;
    if (spans.isEmpty()) {
      return new Cut(null, 0, dropped);
    }
    Span last = spans.get(spans.size() - 1);
    if (last.lastIndex() >= fromIndex) {
      last.truncate(fromIndex);
    }
    return new Cut(last.segment(), last.end(), dropped);
  }

  /**
   * Forgets every entry at or before {@code upToIndex} (at least {@link #firstIndex()}): the log
   * now starts at {@code upToIndex + 1}, and is empty there when nothing lay beyond. A segment that
   * still holds an entry after {@code upToIndex} stays whole, its earlier records unreachable.
   *
   * @return the segments that hold nothing after {@code upToIndex}, in order
   */
  List<Segment> discardPrefix(long upToIndex) {
    startIndex = upToIndex + 1;
    lastIndex = Math.max(lastIndex, upToIndex);
    int drop = 0;
    while (drop < spans.size() && spans.get(drop).lastIndex() <= upToIndex) {
      drop++;
    }
    List<Segment> obsolete = new ArrayList<>(drop);
    for (Span s : spans.subList(0, drop)) {
      obsolete.add(s.segment());
    }
    spans.subList(0, drop).clear();
    return obsolete;
  }

  /** The span holding {@code index}, which must be within the log. */
  Span spanOf(long index) {
    int lo = 0;
    int hi = spans.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (spans.get(mid).firstIndex() <= index) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return spans.get(lo);
  }

  /** Every segment, in order. */
  List<Segment> segments() {
    List<Segment> all = new ArrayList<>(spans.size());
    for (Span s : spans) {
      all.add(s.segment());
    }
    return all;
  }
}
