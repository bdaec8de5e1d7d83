package io.reactiveraft.log;

import io.reactiveraft.message.LogEntry;
import java.util.List;
import reactor.core.publisher.Sinks;

/**
 * An instruction from the event loop to the IO thread, executed in submission order. Each carries a
 * sequence number; the IO thread publishes the last one it completed.
 */
sealed interface WriteOp {

  long sequence();

  /** Copy {@code entries} into {@code segment} at {@code offset}, allocating it first if new. */
  record Append(
      long sequence, Segment segment, boolean newSegment, int offset, List<LogEntry> entries)
      implements WriteOp {}

  /**
   * Discard every entry from {@code fromIndex}: {@code keep} ends the log at {@code keepEnd} (null
   * when nothing is left), {@code dropped} segments go.
   */
  record Truncate(long sequence, long fromIndex, Segment keep, int keepEnd, List<Segment> dropped)
      implements WriteOp {}

  /**
   * The log now starts at {@code startIndex}: record it durably with the next watermark, and only
   * then delete the {@code obsolete} segments, which hold nothing at or after it.
   */
  record DiscardPrefix(long sequence, long startIndex, List<Segment> obsolete) implements WriteOp {}

  /**
   * Entries up to {@code index} are committed: record it with the next watermark, as far as that
   * watermark covers. Submitted after the appends and truncations of the batch that committed them,
   * so no truncation it could be mistaken for comes after it.
   */
  record Commit(long sequence, long index) implements WriteOp {}

  /** Complete {@code done} once everything submitted before is durable. */
  record Flush(long sequence, Sinks.Empty<Void> done) implements WriteOp {}

  /** Complete {@code done} once everything submitted before is copied (not forced). */
  record Barrier(long sequence, Sinks.Empty<Void> done) implements WriteOp {}

  /** Make everything durable, release the segments and stop. */
  record Close(long sequence) implements WriteOp {}
}
