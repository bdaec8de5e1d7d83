package io.reactiveraft.log;

import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.LostEntries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A durable {@link LogStore} in a directory of preallocated, memory-mapped segment files, plus a
 * metadata file for term, vote, the durable watermark and the commit index. See the package
 * documentation for the file formats and the recovery rules.
 *
 * <p>Threading: every method is thread-safe (they synchronize on the store, so a caller may hold
 * its monitor to make several calls atomic, e.g. choose an index, append and flush), and meant to
 * be called from one event loop. {@link #append}, {@link #truncateSuffix} and {@link
 * #discardPrefix} only plan and queue; the store's own IO thread (a daemon named {@code
 * raft-log-<directory>}) writes records into the segments, zeros and forces, so writes and fsyncs
 * never run on the caller's thread; a short-lived daemon ({@code raft-log-<directory>-next})
 * allocates the next segment while the last one fills. {@link #saveHardState} forces the metadata
 * file on the caller's thread, because the SPI requires it durable on return. Reads are served from
 * a cache of recent entries and from the mapping, on the caller's thread.
 *
 * <p>Durability: {@link #flush} completes, on the IO thread, once every earlier append and
 * truncation is forced and every earlier discarded prefix is recorded (group commit: one force
 * serves every flush queued meanwhile).
 *
 * <p>Failure: the first failed write or force fails that flush and every later call that writes
 * (fail-stop, never retried); reads keep working.
 */
public final class MappedLogStore implements LogStore {

  private static final Logger log = LoggerFactory.getLogger(MappedLogStore.class);
  private static final long CLOSE_TIMEOUT_MILLIS = 60_000;
  private static final int READ_CHUNK = 1 << 20;

  private final StorageDirectory dir;
  private final MappedLogOptions options;
  private final MetadataFile metadata;
  private final FailureLatch failure;
  private final LogLayout layout;
  private final EntryCache cache;
  private final LogWriter writer;
  private final CRC32C crc = new CRC32C();
  private long lastTerm;
  private long sequence;
  private boolean closed;

  private MappedLogStore(
      StorageDirectory dir,
      MappedLogOptions options,
      MetadataFile metadata,
      FailureLatch failure,
      LogRecovery.Result recovered,
      String name,
      Executor spareAllocation) {
    this.dir = dir;
    this.options = options;
    this.metadata = metadata;
    this.failure = failure;
    this.layout = new LogLayout(metadata.current().logStartIndex(), recovered.spans());
    this.cache = new EntryCache(options.cacheSize());
    this.lastTerm = recovered.lastTerm();
    this.writer =
        new LogWriter(
            "raft-log-" + name,
            dir,
            metadata,
            failure,
            layout.segments(),
            recovered.lastIndex(),
            new SpareSegment(dir, options.segmentSize(), spareAllocation));
    writer.start();
  }

  /** Opens {@code directory} with the default options. */
  public static MappedLogStore open(Path directory) {
    return open(directory, MappedLogOptions.defaults());
  }

  /**
   * Opens the log in {@code directory}, creating the directory and an empty log if missing, and
   * recovers it (blocking, on the caller's thread): a torn tail left by a crash is truncated.
   *
   * @throws UncheckedIOException naming the directory when it cannot be created, written or locked
   *     (another store has it open), or a file cannot be read
   * @throws LogCorruptedException naming the file and offset when entries acknowledged as durable
   *     are damaged or missing, or the metadata file is unreadable
   */
  public static MappedLogStore open(Path directory, MappedLogOptions options) {
    Objects.requireNonNull(options, "options");
    MappedStorageDirectory dir = MappedStorageDirectory.open(directory, options.forceHook());
    Path name = directory.toAbsolutePath().getFileName();
    String storeName = name == null ? "root" : name.toString();
    return open(
        dir, options, storeName, SpareSegment.onOwnThread("raft-log-" + storeName + "-next"));
  }

  /**
   * Opens a log on any storage; tests pass a simulated page cache here. Spare segments are
   * allocated on the IO thread itself, so that a run on a simulated directory performs the same
   * file operations in the same order every time.
   */
  static MappedLogStore open(StorageDirectory dir, MappedLogOptions options, String name) {
    return open(dir, options, name, Runnable::run);
  }

  private static MappedLogStore open(
      StorageDirectory dir, MappedLogOptions options, String name, Executor spareAllocation) {
    FailureLatch failure = new FailureLatch(dir.describe(""));
    MetadataFile metadata = null;
    try {
      List<String> segments = new ArrayList<>();
      boolean hasMetadata = false;
      boolean removedTemp = false;
      for (String file : dir.list()) {
        if (file.endsWith(StorageDirectory.TEMP_SUFFIX)) {
          // A segment or metadata file whose creation did not finish: never part of the log.
          dir.delete(file);
          removedTemp = true;
        } else if (Segment.parseFirstIndex(file) > 0) {
          segments.add(file);
        } else if (file.equals(MetadataFile.NAME)) {
          hasMetadata = true;
        } else if (!file.equals(MappedStorageDirectory.LOCK_FILE)) {
          log.warn("ignoring unknown file {}", dir.describe(file));
        }
      }
      if (removedTemp) {
        dir.syncDirectory();
      }
      if (hasMetadata) {
        metadata = MetadataFile.open(dir, failure);
      } else if (segments.isEmpty()) {
        metadata = MetadataFile.create(dir, failure);
      } else {
        throw new LogCorruptedException(
            dir.describe(MetadataFile.NAME),
            0,
            "the metadata file is missing but the directory holds "
                + segments.size()
                + " segments; the node's term and vote are lost");
      }
      LogRecovery.Result recovered =
          LogRecovery.recover(dir, metadata, segments, options.truncateCorruption());
      log.info(
          "opened log {}: entries {}..{}, term {}",
          dir.describe(""),
          metadata.current().logStartIndex(),
          recovered.lastIndex(),
          metadata.current().term());
      try {
        return new MappedLogStore(
            dir, options, metadata, failure, recovered, name, spareAllocation);
      } catch (RuntimeException | Error e) {
        recovered.spans().forEach(span -> span.segment().retire());
        throw e;
      }
    } catch (IOException e) {
      closeQuietly(metadata, dir);
      throw new UncheckedIOException("cannot open log " + dir.describe("") + ": " + e, e);
    } catch (RuntimeException | Error e) {
      // An Error too (a failing disk read through the mapping surfaces as InternalError): left
      // open, the directory's lock would refuse every later open in this JVM.
      closeQuietly(metadata, dir);
      throw e;
    }
  }

  private static void closeQuietly(MetadataFile metadata, StorageDirectory dir) {
    if (metadata != null) {
      metadata.close();
    }
    dir.close();
  }

  @Override
  public synchronized HardState hardState() {
    return metadata.current().hardState();
  }

  /**
   * What a truncation at damage took: up to the watermark it cut below, or up to the last entry
   * written past it, which may have been acknowledged too; kept in the metadata file.
   */
  @Override
  public synchronized LostEntries lostEntries() {
    return metadata.current().lost();
  }

  /**
   * Forces term and vote into the metadata file before returning (two slots, each forced).
   *
   * @throws UncheckedIOException when the write fails; the store is then failed
   * @throws IllegalStateException when the store is closed or failed earlier
   */
  @Override
  public synchronized void saveHardState(HardState state) {
    Objects.requireNonNull(state, "state");
    ensureWritable();
    metadata.saveHardState(state);
  }

  /**
   * The commit index in the metadata file: recorded with the durable watermark, never above it, so
   * every entry up to it was forced before it was recorded (and damage there is corruption).
   */
  @Override
  public synchronized long commitIndex() {
    return metadata.current().commitIndex();
  }

  /**
   * Queues the commit index for the IO thread, which records it with the next watermark (within
   * about 10 ms under load, a millisecond after it goes idle), capped at what it has forced; after
   * a {@link #discardPrefix} that empties the log, only with the flush that records the new start.
   * Returns without IO, and without waking an IO thread that is busy or about to record anyway.
   *
   * @throws IllegalStateException when the store is closed or failed
   */
  @Override
  public synchronized void saveCommitIndex(long index) {
    ensureWritable();
    writer.submitLazily(new WriteOp.Commit(++sequence, index));
  }

  @Override
  public synchronized long firstIndex() {
    return layout.firstIndex();
  }

  @Override
  public synchronized long lastIndex() {
    return layout.lastIndex();
  }

  /**
   * Entries {@code [from, toInclusive]}: recent ones from the cache, older ones read from the
   * mapping on the caller's thread, each record's checksum verified.
   *
   * @throws IndexOutOfBoundsException when the range is outside [firstIndex, lastIndex]
   * @throws LogCorruptedException when a record read back is damaged
   * @throws IllegalStateException when the store is closed
   */
  @Override
  public synchronized List<LogEntry> entries(long from, long toInclusive) {
    ensureOpen();
    if (from < layout.firstIndex() || toInclusive > layout.lastIndex() || from > toInclusive + 1) {
      throw new IndexOutOfBoundsException(
          "range ["
              + from
              + ", "
              + toInclusive
              + "] outside ["
              + layout.firstIndex()
              + ", "
              + layout.lastIndex()
              + "]");
    }
    List<LogEntry> out = new ArrayList<>((int) Math.min(toInclusive - from + 1, 1 << 20));
    long index = from;
    long fromMapping = Math.min(toInclusive, cache.firstIndex() - 1);
    while (index <= fromMapping) {
      LogLayout.Span span = layout.spanOf(index);
      long stop = Math.min(fromMapping, span.lastIndex());
      readRecords(span, index, stop, out);
      index = stop + 1;
    }
    for (; index <= toInclusive; index++) {
      out.add(cache.get(index));
    }
    return out;
  }

  /** Reads {@code [from, to]} of one span, in chunks of about a MiB. */
  private void readRecords(LogLayout.Span span, long from, long to, List<LogEntry> out) {
    Segment segment = span.segment();
    long index = from;
    while (index <= to) {
      int start = span.offsetOf(index);
      long last = index;
      // Extend the chunk while the next record still fits (always take at least one record).
      while (last < to && span.endOf(last + 1) - start <= READ_CHUNK) {
        last++;
      }
      int length = span.endOf(last) - start;
      byte[] bytes = new byte[length];
      segment.read(start, bytes, 0, length);
      for (long i = index; i <= last; i++) {
        int at = span.offsetOf(i) - start;
        int body = RecordCodec.bodyLength(bytes, at);
        String problem =
            // In long: a damaged length near Integer.MAX_VALUE must not wrap and pass.
            body < RecordCodec.MIN_BODY || (long) at + RecordCodec.PREFIX_SIZE + body > length
                ? "bad record length " + body
                : RecordCodec.validate(bytes, at, body, i, 1, crc);
        if (problem != null) {
          throw new LogCorruptedException(
              dir.describe(segment.fileName()), span.offsetOf(i), problem + " when read back");
        }
        out.add(RecordCodec.decode(bytes, at, body));
      }
      index = last + 1;
    }
  }

  /** {@link MappedLogOptions#maxPayloadSize()}: an entry must fit in one segment. */
  @Override
  public int maxPayloadBytes() {
    return options.maxPayloadSize();
  }

  /**
   * Plans and queues {@code entries}; the IO thread copies them. Returns without IO.
   *
   * @throws IllegalArgumentException when they do not continue the log at lastIndex() + 1, their
   *     terms decrease, or an entry is too large for a segment (see {@link
   *     MappedLogOptions#maxPayloadSize()})
   * @throws IllegalStateException when the store is closed or failed
   */
  @Override
  public synchronized void append(List<LogEntry> entries) {
    ensureWritable();
    if (entries.isEmpty()) {
      return;
    }
    List<LogEntry> batch = List.copyOf(entries);
    long expected = layout.lastIndex() + 1;
    long term = lastTerm;
    for (LogEntry e : batch) {
      if (e.index() != expected) {
        throw new IllegalArgumentException(
            "entry " + e.index() + " does not continue the log at " + (expected - 1));
      }
      if (e.term() < term) {
        throw new IllegalArgumentException(
            "entry " + e.index() + " has term " + e.term() + ", below the previous term " + term);
      }
      if (e.payload().length > options.maxPayloadSize()) {
        throw new IllegalArgumentException(
            "entry "
                + e.index()
                + " carries "
                + e.payload().length
                + " bytes, more than fit in a segment of "
                + options.segmentSize()
                + " bytes (at most "
                + options.maxPayloadSize()
                + "); raise MappedLogOptions.segmentSize");
      }
      expected++;
      term = e.term();
    }
    for (LogLayout.Run run : layout.place(batch, options.segmentSize())) {
      writer.submit(
          new WriteOp.Append(
              ++sequence, run.segment(), run.newSegment(), run.offset(), run.entries()));
    }
    for (LogEntry e : batch) {
      cache.add(e, sequence);
    }
    lastTerm = term;
    cache.evict(writer.completedSequence());
  }

  /**
   * Forgets every entry at or before {@code upToIndex} now and queues the new start; returns
   * without IO. The next flush records the start in the metadata file together with the watermark,
   * and only then deletes the segments that hold nothing after {@code upToIndex}; the segment that
   * holds {@code upToIndex + 1} stays whole. When nothing lies after {@code upToIndex}, the next
   * append starts a new segment named after {@code upToIndex + 1}, and may carry any term.
   *
   * @throws IllegalStateException when the store is closed or failed
   */
  @Override
  public synchronized void discardPrefix(long upToIndex) {
    ensureWritable();
    if (upToIndex < layout.firstIndex()) {
      return;
    }
    if (upToIndex >= layout.lastIndex()) {
      // An empty log has no last term to continue, exactly as after truncating everything.
      lastTerm = 0;
    }
    List<Segment> obsolete = layout.discardPrefix(upToIndex);
    cache.discardBefore(upToIndex + 1);
    writer.submit(new WriteOp.DiscardPrefix(++sequence, upToIndex + 1, obsolete));
  }

  /**
   * Forgets every entry at or after {@code fromIndex} now and queues the truncation; the IO thread
   * lowers the watermark, zeros and forces the discarded records, and deletes later segments before
   * anything queued after it is written. Returns without IO, except that the term of the new last
   * entry may be read from the mapping.
   *
   * @throws IllegalStateException when the store is closed or failed
   */
  @Override
  public synchronized void truncateSuffix(long fromIndex) {
    ensureWritable();
    if (fromIndex > layout.lastIndex()) {
      return;
    }
    long from = Math.max(fromIndex, layout.firstIndex());
    long newTerm = from > layout.firstIndex() ? termAt(from - 1) : 0;
    LogLayout.Cut cut = layout.truncate(from);
    cache.truncateFrom(from);
    writer.submit(new WriteOp.Truncate(++sequence, from, cut.keep(), cut.keepEnd(), cut.dropped()));
    lastTerm = newTerm;
  }

  private long termAt(long index) {
    if (cache.contains(index)) {
      return cache.get(index).term();
    }
    return entries(index, index).get(0).term();
  }

  /**
   * Queues a flush: the returned Mono completes, on the IO thread, once every earlier append and
   * truncation is forced; it fails with the store's failure when a write or force failed (now or
   * earlier). The durable watermark in the metadata file follows within about 10 ms under load (at
   * once when the writer goes idle), not before the Mono completes: recovery treats damage above
   * the recorded watermark as a torn tail, so damage to the newest forced entries in that window
   * would be truncated rather than refused.
   */
  @Override
  public synchronized Mono<Void> flush() {
    if (closed) {
      return Mono.error(new IllegalStateException("log store " + dir.describe("") + " is closed"));
    }
    Throwable cause = failure.failure();
    if (cause != null) {
      return Mono.error(cause);
    }
    Sinks.Empty<Void> done = Sinks.empty();
    writer.submit(new WriteOp.Flush(++sequence, done));
    return done.asMono();
  }

  /**
   * Completes, on the IO thread, once every earlier append and truncation has been written to the
   * segments, without forcing anything, and the IO thread has finished the work of its earlier
   * turns (such as deleting segments below a new start after a flush). For benchmarks and tests
   * that measure or step the writer; Raft needs only {@link #flush}.
   */
  public synchronized Mono<Void> written() {
    if (closed) {
      return Mono.error(new IllegalStateException("log store " + dir.describe("") + " is closed"));
    }
    Sinks.Empty<Void> done = Sinks.empty();
    writer.submit(new WriteOp.Barrier(++sequence, done));
    return done.asMono();
  }

  /**
   * Makes everything appended durable (unless the store failed), stops the IO thread, unmaps the
   * segments and releases the directory. Idempotent; later calls other than this one fail.
   */
  @Override
  public void close() {
    long closeSequence;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeSequence = ++sequence;
    }
    // Waits for the IO thread without holding the lock: a flush callback running on that thread
    // may call into the store, and must get "closed" rather than wait for this close. The thread
    // releases the metadata file and the directory itself, once it has done everything queued.
    writer.close(closeSequence, CLOSE_TIMEOUT_MILLIS);
    log.debug("closed log {}", dir.describe(""));
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("log store " + dir.describe("") + " is closed");
    }
  }

  private void ensureWritable() {
    ensureOpen();
    failure.check();
  }

  @Override
  public String toString() {
    return "MappedLogStore[" + dir.describe("") + "]";
  }
}
