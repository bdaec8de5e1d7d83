package io.reactiveraft.spi;

/**
 * Entries a log store once acknowledged as durable and has since lost: a store allowed to open by
 * cutting its log at damage (for {@code MappedLogStore}, {@code truncateCorruption}) may have cut
 * entries that were counted towards a commit ({@link LogStore#lostEntries}).
 *
 * <p>Until the node holds them again it neither votes nor campaigns, so a majority it joins cannot
 * elect a server that lacks them. It holds them again once its durable log reaches {@code index},
 * or holds an entry of a term after {@code term}: that entry came from a leader elected after the
 * loss, whose log holds every entry committed before its election (Leader Completeness), and the
 * log matching property brings all of them along with it.
 *
 * @param index the highest index acknowledged and lost; 0 when nothing was lost
 * @param term the store's current term when it lost them
 */
public record LostEntries(long index, long term) {

  /** Nothing lost. */
  public static final LostEntries NONE = new LostEntries(0, 0);

  public LostEntries {
    if (index < 0 || term < 0) {
      throw new IllegalArgumentException("index and term must be >= 0: " + index + ", " + term);
    }
  }
}
