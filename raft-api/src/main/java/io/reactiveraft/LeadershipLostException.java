package io.reactiveraft;

/**
 * The leader that accepted the command stepped down before the command committed. A later leader
 * may still commit it, so the outcome is unknown.
 */
public final class LeadershipLostException extends OutcomeUnknownException {
  private static final long serialVersionUID = 1L;

  /** Node {@code nodeId} lost leadership before its entry {@code index} was known committed. */
  public LeadershipLostException(String nodeId, long index, long term) {
    super(
        "node "
            + nodeId
            + " lost leadership before entry "
            + index
            + " of term "
            + term
            + " committed; outcome unknown");
  }
}
