package io.reactiveraft.log;

import io.reactiveraft.message.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Sinks;

/**
 * The store's IO thread: writes records into the segments, truncates, forces, and moves the durable
 * watermark, so that writes and {@code fdatasync} never delay the caller's event loop.
 *
 * <p>Group commit: each turn takes everything queued, performs it in order, and then, if any flush
 * was among it, forces once for all of them and completes them together. A flush therefore covers
 * every operation submitted before it (and possibly some after).
 *
 * <p>Order of a flush: force the dirty ranges of the segments, then record a new log start if a
 * prefix was discarded (with the watermark, forced), then complete the flushes, then raise the
 * watermark in the metadata file (forced; while the writer stays busy, at most every {@value
 * Watermark#INTERVAL_NANOS} ns; see {@link Watermark}), with the commit index as far as the
 * watermark covers it, then delete the segments wholly below the recorded start and sync the
 * directory. So everything at or below the watermark was durable before the watermark said so, and
 * no segment goes before the start that makes it unnecessary is durable (a crash in between would
 * otherwise leave a gap between the recorded start and the first segment left).
 *
 * <p>Failure: the first exception fails the store ({@link FailureLatch}): that turn's flushes and
 * every later one fail with it, nothing is retried. Flushes and barriers complete on this thread;
 * subscribers should hand work off rather than block it.
 */
final class LogWriter implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(LogWriter.class);
  private static final int SCRATCH_SIZE = 256 << 10;

  private final StorageDirectory dir;
  private final MetadataFile metadata;
  private final FailureLatch failure;
  private final SpareSegment spare;
  private final ConcurrentLinkedQueue<WriteOp> queue = new ConcurrentLinkedQueue<>();
  private final Thread thread;

  /**
   * Set by the IO thread just before it parks. A submitter wakes it only then, so a busy writer
   * costs its submitters no system call (an unpark per append was a tenth of the append path).
   */
  private volatile boolean parked;

  /**
   * Set by the IO thread just before it parks with no watermark to record: only then does a commit
   * index need to wake it ({@link #submitLazily}).
   */
  private volatile boolean parkedIndefinitely;

  /** The last operation performed successfully; readers trust the mapping up to it. */
  private volatile long completedSequence;

  // IO thread only:
  private final Set<Segment> live = new LinkedHashSet<>();
  private final Set<Segment> dirty = new LinkedHashSet<>();
  private Segment lastDirty;
  private final List<Sinks.Empty<Void>> waiting = new ArrayList<>();
  private final CRC32C crc = new CRC32C();
  private ByteBuffer scratch = ByteBuffer.allocate(SCRATCH_SIZE).order(ByteOrder.LITTLE_ENDIAN);

  /**
   * The segment whose records wait in {@link #scratch}: consecutive appends to one segment are
   * encoded back to back and written with one system call, when the turn ends or something else
   * comes first. Null when nothing waits.
   */
  private Segment unwritten;

  /** The last append encoded into {@link #scratch}; published once written. */
  private long unwrittenSequence;

  private long writtenIndex;
  private final Watermark watermark;

  /** Segments wholly below a new log start, deleted once it is durable; in order. */
  private final List<Segment> obsolete = new ArrayList<>();

  /**
   * @param segments the segments recovery opened, in order
   * @param lastIndex the last index they hold
   * @param spare where new segments come from when one was prepared ahead
   */
  LogWriter(
      String threadName,
      StorageDirectory dir,
      MetadataFile metadata,
      FailureLatch failure,
      Collection<Segment> segments,
      long lastIndex,
      SpareSegment spare) {
    this.dir = dir;
    this.spare = spare;
    this.metadata = metadata;
    this.failure = failure;
    this.live.addAll(segments);
    this.writtenIndex = lastIndex;
    this.watermark = new Watermark(metadata);
    this.thread = new Thread(this, threadName);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues {@code op}; any thread, never blocks. */
  void submit(WriteOp op) {
    queue.offer(op);
    // Offer, then read the flag; the writer sets the flag, then re-checks the queue: with both
    // volatile, one of the two sides always sees the other, so no wake-up is lost.
    if (parked) {
      LockSupport.unpark(thread);
    }
  }

  /**
   * Queues {@code op} but wakes the thread only if it parked with nothing to record: one that is
   * busy takes it with its next turn, one waiting to record a watermark within {@link
   * Watermark#IDLE_NANOS}. A commit index follows every request at one in flight, and waking the
   * writer for each would put a context switch beside every reply.
   */
  void submitLazily(WriteOp op) {
    queue.offer(op);
    if (parkedIndefinitely) {
      LockSupport.unpark(thread);
    }
  }

  long completedSequence() {
    return completedSequence;
  }

  /**
   * Asks the thread to make everything durable, release the segments and stop, and waits for it
   * (unless called on the thread itself, from a completion callback).
   */
  void close(long sequence, long timeoutMillis) {
    submit(new WriteOp.Close(sequence));
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      thread.join(timeoutMillis);
      if (thread.isAlive()) {
        log.warn("log writer {} did not stop within {} ms", thread.getName(), timeoutMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void run() {
    List<WriteOp> batch = new ArrayList<>();
    boolean closing = false;
    while (!closing) {
      WriteOp next;
      while ((next = queue.poll()) != null) {
        batch.add(next);
      }
      if (batch.isEmpty()) {
        parked = true;
        if (queue.isEmpty()) {
          if (watermark.behind() && failure.failure() == null) {
            // The next commit, if it comes soon, records the watermark as it goes; only a writer
            // left idle records it on its own.
            LockSupport.parkNanos(this, Watermark.IDLE_NANOS);
            if (queue.isEmpty()) {
              recordWatermark(true);
            }
          } else {
            parkedIndefinitely = true;
            if (queue.isEmpty()) {
              LockSupport.park(this); // returns on unpark, interrupt or spuriously: all just loop
            }
            parkedIndefinitely = false;
          }
          Thread.interrupted(); // closing goes through the queue; an interrupt must not spin us
        }
        parked = false;
        continue;
      }
      for (WriteOp op : batch) {
        if (op instanceof WriteOp.Close) {
          closing = true;
        }
        perform(op);
      }
      writeUnwritten();
      batch.clear();
      if (!waiting.isEmpty() || closing) {
        groupCommit(closing);
      }
    }
    spare.close();
    for (Segment s : live) {
      s.retire();
    }
    live.clear();
    // The files are released here, by the thread that used them, and only once it is done with
    // them: a close called on this thread (from a flush callback) or one that gave up waiting must
    // not release the directory under writes still queued.
    metadata.close();
    dir.close();
  }

  private void perform(WriteOp op) {
    if (op instanceof WriteOp.Commit commit) {
      // Acts on nothing written, so it leaves consecutive appends to be written together.
      watermark.committed(commit.index());
      return;
    }
    if (!(op instanceof WriteOp.Append)) {
      writeUnwritten(); // everything else acts on, or answers for, what was appended before it
    }
    if (op instanceof WriteOp.Flush flush) {
      waiting.add(flush.done());
      return;
    }
    if (op instanceof WriteOp.Barrier barrier) {
      complete(barrier.done());
      return;
    }
    if (failure.failure() != null) {
      return; // fail-stop: nothing more reaches the disk
    }
    try {
      if (op instanceof WriteOp.Append append) {
        append(append);
        return; // completed once written
      }
      if (op instanceof WriteOp.Truncate truncate) {
        truncate(truncate);
      } else if (op instanceof WriteOp.DiscardPrefix discard) {
        discardPrefix(discard);
      }
      completedSequence = op.sequence();
    } catch (IOException | RuntimeException | Error e) {
      fail(describe(op), e);
    }
  }

  private static String describe(WriteOp op) {
    if (op instanceof WriteOp.Append) {
      return "appending";
    }
    return op instanceof WriteOp.Truncate ? "truncating" : "discarding a log prefix";
  }

  /** Records the failure with what was being done, keeping the OS's message. */
  private void fail(String doing, Throwable e) {
    if (e instanceof IOException io) {
      failure.fail(new UncheckedIOException(doing + " failed: " + io.getMessage(), io));
    } else if (e instanceof UncheckedIOException unchecked) {
      IOException io = unchecked.getCause();
      failure.fail(new UncheckedIOException(doing + " failed: " + io.getMessage(), io));
    } else {
      failure.fail(e);
    }
  }

  private void append(WriteOp.Append op) throws IOException {
    Segment segment = op.segment();
    if (unwritten != null && unwritten != segment) {
      writeUnwritten();
      if (failure.failure() != null) {
        return;
      }
    }
    if (op.newSegment()) {
      segment.allocate(dir, spare);
      live.add(segment);
      log.debug("created log segment {}", segment);
    }
    int position = segment.writePosition() + scratch.position();
    if (position != op.offset()) {
      throw new IllegalStateException(
          "segment "
              + segment
              + ": planned write at "
              + op.offset()
              + " but the writer is at "
              + position);
    }
    List<LogEntry> entries = op.entries();
    for (int i = 0; i < entries.size(); i++) {
      LogEntry e = entries.get(i);
      int size = RecordCodec.size(e);
      if (scratch.remaining() < size) {
        copy(segment);
        if (scratch.capacity() < size) {
          scratch = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        }
      }
      RecordCodec.encode(e, scratch, crc);
    }
    if (segment.writePosition() + scratch.position() > segment.capacity() / 2) {
      spare.prepare(); // half the segment's time is left to allocate the next one
    }
    unwritten = segment;
    unwrittenSequence = op.sequence();
    if (segment != lastDirty) {
      dirty.add(segment);
      lastDirty = segment;
    }
    writtenIndex = entries.get(entries.size() - 1).index();
  }

  /** Writes the records waiting in {@link #scratch}, then publishes the appends as completed. */
  private void writeUnwritten() {
    if (unwritten == null) {
      return;
    }
    Segment segment = unwritten;
    unwritten = null;
    if (failure.failure() != null) {
      scratch.clear();
      return;
    }
    try {
      copy(segment);
      completedSequence = unwrittenSequence;
    } catch (RuntimeException | Error e) {
      fail("appending", e);
    }
  }

  private void copy(Segment segment) {
    scratch.flip();
    if (scratch.hasRemaining()) {
      segment.append(scratch);
    }
    scratch.clear();
  }

  /**
   * Truncation in the order that keeps every crash safe: lower the watermark ({@link
   * Watermark#truncated}: the records about to go are no longer "known durable"), zero the
   * discarded records and force the zeros (so no old-term record can be read back after a crash,
   * even where a later record of the same size is rewritten in its place and not yet forced), then
   * delete later segments and sync the directory.
   */
  private void truncate(WriteOp.Truncate op) throws IOException {
    long newLast = op.fromIndex() - 1;
    watermark.truncated(newLast);
    Segment keep = op.keep();
    if (keep != null && keep.writePosition() > op.keepEnd()) {
      keep.zero(op.keepEnd(), keep.writePosition());
      keep.forceDirty();
      keep.writePosition(op.keepEnd());
    }
    lastDirty = null;
    for (Segment s : op.dropped()) {
      dirty.remove(s);
      live.remove(s);
      // Unmap first (once no reader holds it), then delete: the file is never shrunk while mapped.
      s.retire();
      dir.delete(s.fileName());
    }
    if (!op.dropped().isEmpty()) {
      dir.syncDirectory();
    }
    writtenIndex = Math.min(writtenIndex, newLast);
  }

  /**
   * Only notes the new start: it becomes durable with the next watermark, in one metadata write,
   * and the segments it makes obsolete wait for that write. Nothing is forced here, so discarding
   * costs the caller no IO of its own. When the whole log went, it continues at the new start, so
   * the watermark may move up to the entry before it.
   */
  private void discardPrefix(WriteOp.DiscardPrefix op) {
    watermark.startMoved(op.startIndex(), writtenIndex);
    writtenIndex = Math.max(writtenIndex, op.startIndex() - 1);
    obsolete.addAll(op.obsolete());
  }

  /**
   * Forces what was written, then answers the flushes, then records the watermark if it is due
   * ({@link #recordWatermark}). The watermark only tells recovery how far damage means corruption
   * rather than a torn tail, so recording it after the answers keeps its fsync off the latency of
   * every acknowledgement; until it is recorded, the entries just forced count as a tail that
   * recovery would truncate only if it found them damaged, which a completed force rules out short
   * of the disk failing. A new log start is the exception: the store promises it survives once a
   * flush completes, so it is recorded before the answers.
   */
  private void groupCommit(boolean closing) {
    String doing = "forcing";
    if (failure.failure() == null) {
      try {
        for (Segment s : dirty) {
          doing = "forcing " + dir.describe(s.fileName());
          s.forceDirty();
        }
        dirty.clear();
        lastDirty = null;
        doing = "saving the log start and the durable index " + writtenIndex;
        watermark.forced(writtenIndex);
      } catch (RuntimeException | Error e) {
        fail(doing, e); // a failed force surfaces as an UncheckedIOException
      }
    }
    for (Sinks.Empty<Void> done : waiting) {
      complete(done);
    }
    waiting.clear();
    recordWatermark(closing);
    if (failure.failure() == null) {
      try {
        deleteObsolete();
      } catch (IOException | RuntimeException | Error e) {
        fail("deleting segments below the log start " + watermark.durableStartIndex(), e);
      }
    }
  }

  /** Records the watermark if it lags and is due ({@link Watermark#recordIfDue}). */
  private void recordWatermark(boolean idle) {
    if (failure.failure() != null) {
      return;
    }
    try {
      watermark.recordIfDue(idle);
    } catch (RuntimeException | Error e) {
      fail("saving the durable index " + watermark.forcedIndex(), e);
    }
  }

  /**
   * Deletes the segments below the durable start, oldest first, so a crash part way leaves the rest
   * contiguous. Each is unmapped once no reader holds it (the store stopped handing it to readers
   * when it discarded the prefix), and deleted right away: removing a mapped file is safe.
   */
  private void deleteObsolete() throws IOException {
    if (obsolete.isEmpty()) {
      return;
    }
    for (Segment s : obsolete) {
      live.remove(s);
      s.retire();
      dir.delete(s.fileName());
      log.debug("deleted log segment {}: below the log start {}", s, watermark.durableStartIndex());
    }
    obsolete.clear();
    dir.syncDirectory();
  }

  /** Signals a waiting caller; its callbacks run here, and must not take this thread down. */
  private void complete(Sinks.Empty<Void> done) {
    Throwable cause = failure.failure();
    try {
      if (cause == null) {
        done.tryEmitEmpty();
      } else {
        done.tryEmitError(cause);
      }
    } catch (RuntimeException | Error e) {
      log.warn("a flush subscriber threw on the log writer thread", e);
    }
  }
}
