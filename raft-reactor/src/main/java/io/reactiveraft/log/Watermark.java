package io.reactiveraft.log;

/**
 * The IO thread's side of the metadata file: what it records about the log (the durable watermark,
 * the log start and the commit index), what is forced and known committed beyond that, and when to
 * write it. Every save goes through {@link MetadataFile}, forced on return, and may throw; the
 * caller fails the store on it. IO thread only.
 *
 * <p>The commit index is recorded only with a watermark, capped at it: a restarted node applies its
 * log up to the recorded index, so it must never name an entry a crash could take back.
 */
final class Watermark {

  /** How long the recorded watermark may trail what is forced while the writer stays busy. */
  static final long INTERVAL_NANOS = 10_000_000;

  /** How long the writer must have had nothing to do before it records the watermark alone. */
  static final long IDLE_NANOS = 1_000_000;

  private final MetadataFile metadata;

  /** The watermark as recorded in the metadata file. */
  private long durableIndex;

  /** The last index a completed force covers; the watermark trails it by at most a short while. */
  private long forcedIndex;

  /** The newest commit index the store was told of. */
  private long commitIndex;

  /** The commit index as recorded in the metadata file; at most {@link #durableIndex}. */
  private long recordedCommitIndex;

  private long savedAt;
  private long startIndex;
  private long durableStartIndex;

  /**
   * Whether the start waiting for a flush leaves the log empty: a snapshot replaced the whole log,
   * whose entries a crash before that flush would bring back.
   */
  private boolean startPastEnd;

  Watermark(MetadataFile metadata) {
    this.metadata = metadata;
    LogMetadata current = metadata.current();
    this.durableIndex = current.durableIndex();
    this.forcedIndex = durableIndex;
    this.recordedCommitIndex = current.commitIndex();
    this.commitIndex = recordedCommitIndex;
    this.savedAt = System.nanoTime() - INTERVAL_NANOS;
    this.startIndex = current.logStartIndex();
    this.durableStartIndex = startIndex;
  }

  /** Entries up to {@code index} are committed. */
  void committed(long index) {
    commitIndex = Math.max(commitIndex, index);
  }

  /**
   * The log is cut after {@code newLast}: lowers the recorded watermark first if it lies above (so
   * the records about to go are no longer "known durable" and their loss cannot look like
   * corruption), and the commit index with it. Raft never truncates what it committed; should a
   * caller do so, the entries written in place of the removed ones are not committed.
   */
  void truncated(long newLast) {
    if (durableIndex > newLast) {
      metadata.saveDurableIndex(newLast);
      durableIndex = newLast;
      recordedCommitIndex = metadata.current().commitIndex();
    }
    forcedIndex = Math.min(forcedIndex, newLast);
    commitIndex = Math.min(commitIndex, newLast);
  }

  /**
   * A snapshot moved the log start to {@code newStart}; {@code writtenIndex} is the last index the
   * log held. Recorded with the next force. Up to the last entry counts as emptying the log:
   * whether its last entry matched the snapshot's is not known here.
   */
  void startMoved(long newStart, long writtenIndex) {
    startIndex = newStart;
    startPastEnd |= newStart - 1 >= writtenIndex;
  }

  /**
   * A force covered everything written, up to {@code writtenIndex}: a new log start is recorded
   * now, with that watermark and the commit index, in one metadata write, since the store promises
   * it survives once a flush completes. The plain watermark waits for {@link #recordIfDue}.
   */
  void forced(long writtenIndex) {
    forcedIndex = writtenIndex;
    if (startIndex != durableStartIndex) {
      metadata.saveLogStart(startIndex, writtenIndex, commitIndex); // capped at the watermark
      durableStartIndex = startIndex;
      startPastEnd = false;
      durableIndex = writtenIndex;
      recordedCommitIndex = metadata.current().commitIndex();
      savedAt = System.nanoTime();
    }
  }

  /**
   * Records the watermark up to what is forced, with the commit index it allows, if it lags: once
   * the writer has had nothing to do for {@link #IDLE_NANOS}, and otherwise at most every {@link
   * #INTERVAL_NANOS}. Recording it after every group commit cost a second fsync per commit, which
   * under load held up the next commit, and at one request in flight competed with the next
   * request's force. The entries it trails by were forced, so only a failing disk could make
   * recovery take them for a torn tail.
   */
  void recordIfDue(boolean idle) {
    if (!behind()) {
      return;
    }
    long now = System.nanoTime();
    if (!due(idle, now - savedAt)) {
      return;
    }
    metadata.saveWatermark(forcedIndex, recordableCommitIndex());
    durableIndex = forcedIndex;
    recordedCommitIndex = metadata.current().commitIndex();
    savedAt = now;
  }

  /** Whether the metadata file lags: entries forced past it, or a commit index it could hold. */
  boolean behind() {
    return forcedIndex != durableIndex || recordableCommitIndex() > recordedCommitIndex;
  }

  /**
   * The commit index the metadata file may hold now: what is forced of it, and nothing new while a
   * start that empties the log waits for a flush. Until then a crash finds the log that start
   * discarded, whose entries past the old commit index may be of another term and never committed
   * (the snapshot replaced them, and a restart could fall back to an older snapshot). A start
   * inside the log discards only committed entries of the same log, and holds nothing back.
   */
  private long recordableCommitIndex() {
    return startPastEnd ? recordedCommitIndex : Math.min(commitIndex, forcedIndex);
  }

  long forcedIndex() {
    return forcedIndex;
  }

  /** The log start as recorded in the metadata file. */
  long durableStartIndex() {
    return durableStartIndex;
  }

  /**
   * Whether to record the watermark now: always when the writer is idle (or closing), otherwise
   * once {@link #INTERVAL_NANOS} passed since it was last recorded.
   */
  static boolean due(boolean idle, long sinceLastRecordedNanos) {
    return idle || sinceLastRecordedNanos >= INTERVAL_NANOS;
  }
}
