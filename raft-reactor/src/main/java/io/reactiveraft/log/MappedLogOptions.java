package io.reactiveraft.log;

import java.io.IOException;
import java.util.Objects;

/**
 * How a {@link MappedLogStore} lays out and checks its files. Immutable; build one with {@link
 * #builder()}.
 *
 * @param segmentSize bytes of each new segment file, preallocated in full; also the limit on one
 *     entry (an entry whose record does not fit in an empty segment is refused)
 * @param cacheSize how many recent entries are kept in memory so that reads of them do not touch
 *     the mapping
 * @param truncateCorruption whether opening may truncate the log at damage below the durable
 *     watermark (entries that were acknowledged as durable are then lost); false refuses to open. A
 *     store that did so remembers how far its log reached before the cut ({@link
 *     io.reactiveraft.spi.LogStore#lostEntries}: the watermark, or a bound on the entries written
 *     past it, which may have been acknowledged too), and its node stays out of elections until it
 *     holds those entries again
 * @param forceHook called before every force; for tests that inject storage failures
 */
public record MappedLogOptions(
    int segmentSize, int cacheSize, boolean truncateCorruption, ForceHook forceHook) {

  /** 64 MiB. */
  public static final int DEFAULT_SEGMENT_SIZE = 64 << 20;

  /** The smallest segment: one page for the header and the first records. */
  public static final int MIN_SEGMENT_SIZE = 4096;

  /**
   * The largest segment: 1 GiB. Offsets within a segment are ints, and the zeroing loops step in
   * chunks of up to 1 MiB; keeping far below 2 GiB keeps every such sum from wrapping.
   */
  public static final int MAX_SEGMENT_SIZE = 1 << 30;

  /** 1024 entries. */
  public static final int DEFAULT_CACHE_SIZE = 1024;

  /** Validates. */
  public MappedLogOptions {
    if (segmentSize < MIN_SEGMENT_SIZE) {
      throw new IllegalArgumentException(
          "segmentSize must be at least " + MIN_SEGMENT_SIZE + " bytes: " + segmentSize);
    }
    if (segmentSize > MAX_SEGMENT_SIZE) {
      throw new IllegalArgumentException(
          "segmentSize must be at most " + MAX_SEGMENT_SIZE + " bytes: " + segmentSize);
    }
    if (cacheSize < 0) {
      throw new IllegalArgumentException("cacheSize must be >= 0: " + cacheSize);
    }
    Objects.requireNonNull(forceHook, "forceHook");
  }

  /** The defaults: 64 MiB segments, 1024 cached entries, refuse to open a corrupted log. */
  public static MappedLogOptions defaults() {
    return builder().build();
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The largest payload an entry may carry with these options. */
  public int maxPayloadSize() {
    return segmentSize - Segment.HEADER_SIZE - RecordCodec.HEADER_SIZE;
  }

  /**
   * Runs before every force of a log or metadata file, on the thread that forces: the store's IO
   * thread, the caller of {@code saveHardState}, or the thread that allocates the next segment
   * ahead of time, so it may run on two threads at once. Throwing makes the force fail as if the OS
   * had reported an error. For tests; the default does nothing.
   */
  @FunctionalInterface
  public interface ForceHook {

    /** A hook that does nothing. */
    ForceHook NONE = fileName -> {};

    /**
     * @param fileName the name of the file about to be forced
     * @throws IOException to fail the force
     */
    void beforeForce(String fileName) throws IOException;
  }

  /** Collects options; not thread-safe. */
  public static final class Builder {
    private int segmentSize = DEFAULT_SEGMENT_SIZE;
    private int cacheSize = DEFAULT_CACHE_SIZE;
    private boolean truncateCorruption;
    private ForceHook forceHook = ForceHook.NONE;

    private Builder() {}

    /**
     * Bytes per segment file, from {@value #MIN_SEGMENT_SIZE} to {@value #MAX_SEGMENT_SIZE} (1
     * GiB).
     */
    public Builder segmentSize(int segmentSize) {
      this.segmentSize = segmentSize;
      return this;
    }

    /** Recent entries kept in memory, {@code >= 0}. */
    public Builder cacheSize(int cacheSize) {
      this.cacheSize = cacheSize;
      return this;
    }

    /**
     * Lets opening truncate the log at damage below the durable watermark instead of refusing.
     * Entries the node acknowledged are lost, which can break Raft's guarantees if this node was
     * part of the majority that committed them: use it only when the rest of the cluster is known
     * to hold those entries, to bring a node back without wiping its directory (the node keeps its
     * term and vote, so it cannot vote twice).
     */
    public Builder truncateCorruption(boolean truncateCorruption) {
      this.truncateCorruption = truncateCorruption;
      return this;
    }

    /** A hook run before every force (tests inject failures with it). */
    public Builder forceHook(ForceHook forceHook) {
      this.forceHook = forceHook;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the invalid option
     */
    public MappedLogOptions build() {
      return new MappedLogOptions(segmentSize, cacheSize, truncateCorruption, forceHook);
    }
  }
}
