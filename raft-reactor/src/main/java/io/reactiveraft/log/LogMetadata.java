package io.reactiveraft.log;

import io.reactiveraft.spi.HardState;

/**
 * What a log directory must remember besides its records.
 *
 * @param sequence increases with every write, so recovery can tell the newer of two slots
 * @param term the current term (Raft Figure 2)
 * @param votedFor the vote in that term, or null
 * @param durableIndex the durable watermark: every entry up to it was forced before this was
 *     written, so damage at or below it is corruption, never a torn write
 * @param logStartIndex the index of the first entry the log holds (1 until snapshots compact it)
 * @param lostDurableIndex the highest watermark a truncation at damage ever cut below ({@link
 *     MappedLogOptions#truncateCorruption}), 0 when none did: entries up to it were acknowledged
 *     once, and the node must not vote until it holds them again ({@link
 *     io.reactiveraft.spi.LogStore#lostDurableIndex})
 */
record LogMetadata(
    long sequence,
    long term,
    String votedFor,
    long durableIndex,
    long logStartIndex,
    long lostDurableIndex) {

  /** The metadata of a new, empty log. */
  static final LogMetadata INITIAL = new LogMetadata(0, 0, null, 0, 1, 0);

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
        lostDurableIndex);
  }

  LogMetadata withDurableIndex(long index) {
    return new LogMetadata(sequence, term, votedFor, index, logStartIndex, lostDurableIndex);
  }

  LogMetadata withLogStartIndex(long index) {
    return new LogMetadata(sequence, term, votedFor, durableIndex, index, lostDurableIndex);
  }

  LogMetadata withSequence(long next) {
    return new LogMetadata(next, term, votedFor, durableIndex, logStartIndex, lostDurableIndex);
  }

  LogMetadata withLostDurableIndex(long index) {
    return new LogMetadata(sequence, term, votedFor, durableIndex, logStartIndex, index);
  }
}
