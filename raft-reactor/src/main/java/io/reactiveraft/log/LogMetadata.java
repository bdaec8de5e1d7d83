package io.reactiveraft.log;

import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LostEntries;

/**
 * What a log directory must remember besides its records.
 *
 * @param sequence increases with every write, so recovery can tell the newer of two slots
 * @param term the current term (Raft Figure 2)
 * @param votedFor the vote in that term, or null
 * @param durableIndex the durable watermark: every entry up to it was forced before this was
 *     written, so damage at or below it is corruption, never a torn write
 * @param logStartIndex the index of the first entry the log holds (1 until snapshots compact it)
 * @param commitIndex an index the node had committed, never above {@code durableIndex}: entries up
 *     to it are durable and committed ({@link io.reactiveraft.spi.LogStore#commitIndex})
 * @param lost what a truncation at damage cut below the watermark ({@link
 *     MappedLogOptions#truncateCorruption}): entries acknowledged once, which the node must hold
 *     again before it votes ({@link io.reactiveraft.spi.LogStore#lostEntries})
 */
record LogMetadata(
    long sequence,
    long term,
    String votedFor,
    long durableIndex,
    long logStartIndex,
    long commitIndex,
    LostEntries lost) {

  /** The metadata of a new, empty log. */
  static final LogMetadata INITIAL = new LogMetadata(0, 0, null, 0, 1, 0, LostEntries.NONE);

  LogMetadata {
    if (commitIndex > durableIndex) {
      throw new IllegalArgumentException(
          "commit index " + commitIndex + " above the durable index " + durableIndex);
    }
  }

  HardState hardState() {
    return new HardState(term, votedFor);
  }

  LogMetadata withHardState(HardState state) {
    return new LogMetadata(
        sequence,
        state.currentTerm(),
        state.votedFor(),
        durableIndex,
        logStartIndex,
        commitIndex,
        lost);
  }

  /**
   * A new watermark, with the commit index it allows: {@code commit} capped at the watermark, so a
   * lower watermark (a truncation, a cut at damage) lowers the commit index with it.
   */
  LogMetadata withWatermark(long index, long commit) {
    return new LogMetadata(
        sequence, term, votedFor, index, logStartIndex, Math.min(commit, index), lost);
  }

  /** A new watermark that keeps the commit index recorded, as far as the watermark allows. */
  LogMetadata withDurableIndex(long index) {
    return withWatermark(index, commitIndex);
  }

  LogMetadata withLogStartIndex(long index) {
    return new LogMetadata(sequence, term, votedFor, durableIndex, index, commitIndex, lost);
  }

  LogMetadata withSequence(long next) {
    return new LogMetadata(next, term, votedFor, durableIndex, logStartIndex, commitIndex, lost);
  }

  LogMetadata withLost(LostEntries entries) {
    return new LogMetadata(
        sequence, term, votedFor, durableIndex, logStartIndex, commitIndex, entries);
  }
}
