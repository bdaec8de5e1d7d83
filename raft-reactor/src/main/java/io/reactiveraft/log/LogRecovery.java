package io.reactiveraft.log;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the valid log in a directory when it opens, and repairs what a crash left behind.
 *
 * <p>The rules (design notes, section 4). The log is the longest run of valid records from the log
 * start, segment after segment, each record checked (checksum, the expected index, a term no lower
 * than the one before). Where that run stops, the metadata's durable watermark decides:
 *
 * <ul>
 *   <li>stopping at or above the watermark is a torn tail: records past the last force may have
 *       reached the disk in any order (mmap writes pages back as it likes), so a hole followed by
 *       valid records is normal there. Everything after the stop is discarded;
 *   <li>stopping below it (a checksum failure, a gap between segments, a missing segment, a damaged
 *       header) is corruption of entries that were acknowledged as durable: opening fails with a
 *       {@link LogCorruptedException} naming the file and offset, unless the options explicitly
 *       allow truncation.
 * </ul>
 *
 * <p>The log start comes from the metadata (1 until a prefix is discarded). Segments wholly below
 * it are deleted unread: a compaction records the start first and deletes them afterwards, so a
 * crash in between leaves them behind. The segment holding the start is scanned from its first
 * record, because only the records before the start lead to the start's offset; they are not part
 * of the log, and a segment whose valid records end before the start held nothing but them.
 *
 * <p>Repair, in an order that is itself crash-safe: lower the watermark if corruption is being
 * truncated; zero every non-zero byte after the end of the last record of the tail segment and
 * force, so that nothing written by the crashed run can surface after a later crash; delete the
 * segments after the tail (unmapped first) and an empty tail segment, then sync the directory;
 * finally force whatever valid records lie above the watermark and raise it, because the node
 * treats everything it reads at startup as durable.
 */
final class LogRecovery {

  /** The recovered log: its segments, in order, each with at least one record. */
  record Result(List<LogLayout.Span> spans, long lastIndex, long lastTerm) {}

  private record Damage(Segment segment, int offset, String reason) {}

  private record Scan(LogLayout.Span span, long lastTerm, Damage damage) {}

  private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);
  private static final int CHUNK = 1 << 20;

  /** The size of a record with an empty payload, the smallest there is. */
  private static final int MIN_RECORD = RecordCodec.PREFIX_SIZE + RecordCodec.MIN_BODY;

  private final StorageDirectory dir;
  private final MetadataFile metadata;
  private final boolean truncateCorruption;
  private final CRC32C crc = new CRC32C();
  private byte[] buffer = new byte[CHUNK];
  private int bufferStart;
  private int bufferLength;
  private Segment buffered;

  private LogRecovery(StorageDirectory dir, MetadataFile metadata, boolean truncateCorruption) {
    this.dir = dir;
    this.metadata = metadata;
    this.truncateCorruption = truncateCorruption;
  }

  /**
   * Scans and repairs the segments named {@code segmentNames} (sorted by first index).
   *
   * @throws LogCorruptedException when damage lies below the watermark and truncation is not
   *     allowed
   * @throws IOException when a file cannot be opened, written or deleted
   */
  static Result recover(
      StorageDirectory dir,
      MetadataFile metadata,
      List<String> segmentNames,
      boolean truncateCorruption)
      throws IOException {
    List<Segment> segments = new ArrayList<>();
    try {
      for (String name : segmentNames) {
        segments.add(Segment.open(dir, name, Segment.parseFirstIndex(name)));
      }
      return new LogRecovery(dir, metadata, truncateCorruption).recover(segments);
    } catch (IOException | RuntimeException | Error e) {
      segments.forEach(Segment::retire);
      throw e;
    }
  }

  private Result recover(List<Segment> segments) throws IOException {
    // After a process crash (not a power loss) the page cache still holds what the dead process
    // wrote, durable or not; everything recovery reads from it must be made durable before the
    // node acts on it. First the metadata slot it trusts.
    metadata.force();
    LogMetadata meta = metadata.current();
    long watermark = meta.durableIndex();
    long start = meta.logStartIndex();
    List<LogLayout.Span> spans = new ArrayList<>();
    List<Segment> belowStart = new ArrayList<>();
    long expected = start;
    long lastTerm = 0;
    Damage damage = null;
    Damage beforeStart = null;
    for (int i = 0; i < segments.size(); i++) {
      Segment segment = segments.get(i);
      boolean startsBelow = segment.firstIndex() < start;
      if (startsBelow && i + 1 < segments.size() && segments.get(i + 1).firstIndex() <= start) {
        // Wholly below the start: a compaction recorded the start and crashed before deleting it.
        // Its records are never read, so nothing in it can be damage.
        belowStart.add(segment);
        continue;
      }
      String badHeader = segment.checkHeader();
      if (badHeader != null) {
        damage = new Damage(segment, 0, badHeader);
        break;
      }
      if (startsBelow) {
        // The segment that may hold the start: its earlier records are scanned only to find the
        // start's offset. When its valid records end before the start, it held only the discarded
        // prefix (possibly never forced, so torn), and the log is empty so far.
        Scan scan = scan(segment, segment.firstIndex(), 0, start);
        if (scan.span().lastIndex() < start && scan.damage() != null) {
          // Damage among records that already left the log: they only lead to the start's record,
          // which may still be whole further on.
          scan = resumeAtStart(scan, start);
        }
        if (scan.span().lastIndex() < start) {
          belowStart.add(segment);
          beforeStart = scan.damage();
          continue;
        }
        spans.add(scan.span());
        expected = scan.span().lastIndex() + 1;
        lastTerm = scan.lastTerm();
        if (scan.damage() != null) {
          damage = scan.damage();
          break;
        }
        continue;
      }
      if (segment.firstIndex() != expected) {
        damage =
            new Damage(
                segment,
                0,
                "the segment starts at index "
                    + segment.firstIndex()
                    + " but the log before it ends at index "
                    + (expected - 1));
        break;
      }
      Scan scan = scan(segment, expected, lastTerm, start);
      spans.add(scan.span());
      expected = scan.span().lastIndex() + 1;
      lastTerm = scan.lastTerm();
      if (scan.damage() != null) {
        damage = scan.damage();
        break;
      }
    }
    long last = expected - 1;

    if (last < watermark) {
      Damage where = damage != null ? damage : beforeStart;
      if (where == null) {
        where =
            spans.isEmpty()
                ? new Damage(null, 0, "no segment holds the log")
                : new Damage(
                    spans.get(spans.size() - 1).segment(),
                    spans.get(spans.size() - 1).end(),
                    "the log ends here");
      }
      String file =
          where.segment() == null ? dir.describe("") : dir.describe(where.segment().fileName());
      String detail =
          where.reason()
              + "; valid entries end at index "
              + last
              + " but entries up to index "
              + watermark
              + " were acknowledged as durable";
      if (!truncateCorruption) {
        throw new LogCorruptedException(
            file,
            where.offset(),
            detail
                + ". Refusing to open. Restore the directory from a backup, or let this node rejoin"
                + " with truncateCorruption(true) if the rest of the cluster holds those entries");
      }
      // The watermark is recorded after the flushes it covers are answered, so the node may have
      // acknowledged entries past it; the cut takes those too.
      long lost = Math.max(watermark, writtenBound(segments, where, last));
      log.error(
          "log corrupted in {} at offset {}: {}; truncating as configured, entries {} up to at most"
              + " {} are lost",
          file,
          where.offset(),
          detail,
          last + 1,
          lost);
      metadata.saveTruncatedBelowWatermark(last, lost);
      watermark = last;
    } else if (damage != null) {
      // Normal after a crash: nothing acknowledged is lost, so this is not a warning.
      log.info(
          "{}: torn tail at offset {} ({}); keeping entries up to index {} (durable watermark {})",
          dir.describe(damage.segment().fileName()),
          damage.offset(),
          damage.reason(),
          last,
          watermark);
    }

    // An empty tail segment is dropped too: appends will create it afresh, sized by the options.
    if (!spans.isEmpty()
        && spans.get(spans.size() - 1).lastIndex() < spans.get(spans.size() - 1).firstIndex()) {
      spans.remove(spans.size() - 1);
    }
    for (LogLayout.Span span : spans) {
      // A truncation may later make any of them the tail again.
      span.segment().writePosition(span.end());
    }
    if (!spans.isEmpty()) {
      LogLayout.Span tail = spans.get(spans.size() - 1);
      zeroAfter(tail.segment(), tail.end());
    }
    List<Segment> kept = new ArrayList<>();
    spans.forEach(s -> kept.add(s.segment()));
    // Below the start first, oldest first: a crash part way leaves the remaining ones contiguous.
    for (Segment segment : belowStart) {
      log.info(
          "deleting {}: it lies below the log start {}", dir.describe(segment.fileName()), start);
      segment.retire();
      dir.delete(segment.fileName());
    }
    for (Segment segment : segments) {
      if (!kept.contains(segment) && !belowStart.contains(segment)) {
        log.info("deleting {}: it lies after the end of the log", dir.describe(segment.fileName()));
        segment.retire();
        dir.delete(segment.fileName());
      }
    }
    // Always: a dead process may have deleted or renamed files without syncing the directory, and
    // a deleted segment coming back after a power loss would bring old records with it.
    dir.syncDirectory();

    if (last > watermark) {
      for (LogLayout.Span span : spans) {
        if (span.lastIndex() > watermark) {
          span.segment().force(Segment.HEADER_SIZE, span.end());
        }
      }
      metadata.saveDurableIndex(last);
    }
    return new Result(spans, last, lastTerm);
  }

  /**
   * Reads the records of one segment until its end or the first invalid one. Terms are checked only
   * from the record after {@code start} on: the records before it left the log, the entries that
   * follow a compaction (or a truncation of everything after it) may carry any term, and an earlier
   * start may have left such a drop among the records below this one.
   */
  private Scan scan(Segment segment, long firstIndex, long previousTerm, long start) {
    return scan(segment, firstIndex, previousTerm, start, new int[1024], 0, Segment.HEADER_SIZE);
  }

  /**
   * As {@link #scan(Segment, long, long, long)}, from the record of index {@code firstIndex +
   * count} at {@code position}, after the {@code count} records whose offsets {@code offsets}
   * holds.
   */
  private Scan scan(
      Segment segment,
      long firstIndex,
      long previousTerm,
      long start,
      int[] offsets,
      int count,
      int position) {
    int capacity = segment.capacity();
    long expected = firstIndex + count;
    long term = previousTerm;
    Damage damage = null;
    while (capacity - position >= 4) {
      int at = load(segment, position, 4);
      int body = RecordCodec.bodyLength(buffer, at);
      if (body == 0) {
        break; // the zeros after the last record
      }
      if (body < RecordCodec.MIN_BODY
          || (long) position + RecordCodec.PREFIX_SIZE + body > capacity) {
        damage = new Damage(segment, position, "bad record length " + body);
        break;
      }
      at = load(segment, position, RecordCodec.PREFIX_SIZE + body);
      long minTerm = expected <= start ? 0 : term;
      String problem = RecordCodec.validate(buffer, at, body, expected, minTerm, crc);
      if (problem != null) {
        damage = new Damage(segment, position, problem);
        break;
      }
      term = RecordCodec.term(buffer, at);
      if (count == offsets.length) {
        offsets = Arrays.copyOf(offsets, count * 2);
      }
      offsets[count++] = position;
      expected++;
      position += RecordCodec.PREFIX_SIZE + body;
    }
    return new Scan(new LogLayout.Span(segment, offsets, count, position), term, damage);
  }

  /**
   * The start segment's scan stopped at damage below the log start: searches past it for the record
   * of the start itself (its checksum and index proven) and scans on from there. A candidate counts
   * only if the records from it on read cleanly to the end of what was written: the bytes searched
   * are the payloads of earlier commands, which may hold what looks like a record (a command that
   * carries log bytes, say), and such a find is followed by damage at once. The records in between
   * left the log and are never read; their offsets are set to the start's. Returns {@code below}
   * unchanged when no candidate holds.
   */
  private Scan resumeAtStart(Scan below, long start) {
    Segment segment = below.span().segment();
    int from = below.damage().offset();
    int end = lastNonZero(segment, from + 1) + 1;
    int count = (int) (start - segment.firstIndex());
    for (int p = from + 1; p + MIN_RECORD <= end; p++) {
      if (plausibleIndex(segment, p) != start || validRecordSize(segment, p, start) < 0) {
        continue;
      }
      int[] offsets = new int[Math.max(1024, count + 1)];
      Arrays.fill(offsets, 0, count, p);
      Scan resumed = scan(segment, segment.firstIndex(), 0, start, offsets, count, p);
      if (resumed.damage() != null) {
        continue;
      }
      log.warn(
          "{}: records below the log start {} are damaged at offset {} ({}); they left the log,"
              + " which resumes at the start's record at offset {}",
          dir.describe(segment.fileName()),
          start,
          from,
          below.damage().reason(),
          p);
      return resumed;
    }
    return below;
  }

  /**
   * A bound on the highest index the log held before it was cut at {@code where}, from what the
   * surviving files show. Records are read on past the damage where they prove themselves: after a
   * record that does not, the next one that validates (checksum, and an index that fits the bytes
   * in between) is searched for, and the entries in between count as lost. What cannot be read
   * counts as records of the smallest size up to the last non-zero byte (segments are zero-filled
   * before use), but never past the entry before the next segment's first index, since a segment is
   * only created once the one before it is full. Bytes that are gone (a missing last segment,
   * zeroed pages) cannot be counted.
   */
  private long writtenBound(List<Segment> segments, Damage where, long last) {
    long bound = last;
    // Damage found in no segment (the start segment ended cleanly before the start): read them all.
    int from = where.segment() == null ? 0 : Math.max(0, segments.indexOf(where.segment()));
    for (int i = from; i < segments.size(); i++) {
      Segment segment = segments.get(i);
      long cap = i + 1 < segments.size() ? segments.get(i + 1).firstIndex() - 1 : Long.MAX_VALUE;
      boolean inRecords = segment == where.segment() && where.offset() >= Segment.HEADER_SIZE;
      bound =
          Math.max(
              bound,
              inRecords
                  ? writtenBound(segment, where.offset(), last + 1, cap)
                  : writtenBound(segment, Segment.HEADER_SIZE, segment.firstIndex(), cap));
    }
    return bound;
  }

  /**
   * The bound of {@link #writtenBound(List, Damage, long)} within one segment, whose record {@code
   * next} would start at {@code position}.
   */
  private long writtenBound(Segment segment, int position, long next, long cap) {
    int end = lastNonZero(segment, position) + 1; // nothing was written past it
    long proven = next - 1;
    while (position < end) {
      int size = validRecordSize(segment, position, next);
      if (size >= 0) {
        position += size;
        proven = next++;
        continue;
      }
      int found = -1;
      long foundIndex = 0;
      for (int p = position + 1; p + MIN_RECORD <= end && found < 0; p++) {
        // Records next .. index - 1 lie between, each at least MIN_RECORD bytes long.
        long index = plausibleIndex(segment, p);
        if (index > next
            && index <= next + (p - position) / MIN_RECORD
            && validRecordSize(segment, p, index) >= 0) {
          found = p;
          foundIndex = index;
        }
      }
      if (found < 0) {
        break;
      }
      position = found;
      next = foundIndex;
    }
    long unread = end <= position ? 0 : (end - position + MIN_RECORD - 1) / MIN_RECORD;
    return Math.max(proven, Math.min(next - 1 + unread, cap));
  }

  /** The index a record at {@code position} claims, if its length is plausible; else -1. */
  private long plausibleIndex(Segment segment, int position) {
    if (recordSize(segment, position) < 0
        || segment.capacity() - position < RecordCodec.HEADER_SIZE) {
      return -1;
    }
    return RecordCodec.index(buffer, load(segment, position, RecordCodec.HEADER_SIZE));
  }

  /** The size of the record at {@code position} if its length is plausible, else -1. */
  private int recordSize(Segment segment, int position) {
    int capacity = segment.capacity();
    if (position < Segment.HEADER_SIZE || capacity - position < RecordCodec.PREFIX_SIZE) {
      return -1;
    }
    int body = RecordCodec.bodyLength(buffer, load(segment, position, 4));
    return body < RecordCodec.MIN_BODY
            || (long) position + RecordCodec.PREFIX_SIZE + body > capacity
        ? -1
        : RecordCodec.PREFIX_SIZE + body;
  }

  /** The size of the record at {@code position} if it is valid and holds {@code index}, else -1. */
  private int validRecordSize(Segment segment, int position, long index) {
    int size = recordSize(segment, position);
    if (size < 0) {
      return -1;
    }
    int at = load(segment, position, size);
    int body = size - RecordCodec.PREFIX_SIZE;
    return RecordCodec.validate(buffer, at, body, index, 0, crc) == null ? size : -1;
  }

  /** The offset of the last non-zero byte of {@code segment} at or after {@code from}, or -1. */
  private static int lastNonZero(Segment segment, int from) {
    byte[] chunk = new byte[CHUNK];
    for (int end = segment.capacity(); end > from; end -= CHUNK) {
      int start = Math.max(from, end - CHUNK);
      segment.read(start, chunk, 0, end - start);
      for (int i = end - start - 1; i >= 0; i--) {
        if (chunk[i] != 0) {
          return start + i;
        }
      }
    }
    return -1;
  }

  /**
   * Makes {@code length} bytes at {@code position} of {@code segment} available in the buffer.
   *
   * @return their offset in the buffer
   */
  private int load(Segment segment, int position, int length) {
    if (segment == buffered
        && position >= bufferStart
        && position + length <= bufferStart + bufferLength) {
      return position - bufferStart;
    }
    if (buffer.length < length) {
      buffer = new byte[length];
    }
    int available = Math.min(buffer.length, segment.capacity() - position);
    segment.read(position, buffer, 0, available);
    buffered = segment;
    bufferStart = position;
    bufferLength = available;
    return 0;
  }

  /**
   * Zeros every non-zero byte from {@code from} to the end of {@code segment}, and forces that
   * whole range: what a crashed run wrote past the recovered end must never be read back later. The
   * force is unconditional because the page cache may show zeros that are not yet on disk (a
   * truncation whose force never ran before the process died).
   */
  private void zeroAfter(Segment segment, int from) {
    byte[] zeros = new byte[CHUNK];
    byte[] chunk = new byte[CHUNK];
    int capacity = segment.capacity();
    for (int start = from; start < capacity; start += CHUNK) {
      int length = Math.min(CHUNK, capacity - start);
      segment.read(start, chunk, 0, length);
      int firstNonZero = Arrays.mismatch(chunk, 0, length, zeros, 0, length);
      if (firstNonZero >= 0) {
        segment.zero(start + firstNonZero, start + length);
      }
    }
    if (segment.dirty()) {
      log.info("{}: cleared leftovers after offset {}", dir.describe(segment.fileName()), from);
    }
    segment.forceDirty();
    segment.force(from, capacity);
    buffered = null;
  }
}
