package io.reactiveraft.spi;

/**
 * What a node must remember across restarts besides its log (paper Figure 2: "persistent state on
 * all servers").
 *
 * @param currentTerm the latest term the node has seen
 * @param votedFor whom it voted for in that term, or {@code null}
 */
public record HardState(long currentTerm, String votedFor) {

  /** The state of a node that has never run. */
  public static final HardState INITIAL = new HardState(0, null);

  public HardState {
    if (currentTerm < 0) {
      throw new IllegalArgumentException("term must be >= 0: " + currentTerm);
    }
  }
}
