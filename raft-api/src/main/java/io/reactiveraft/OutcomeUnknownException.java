package io.reactiveraft;

/**
 * The command was accepted into a leader's log, but this node can no longer tell whether it will
 * commit: an entry that reached a majority may still be committed by a later leader.
 */
public class OutcomeUnknownException extends RaftException {
  private static final long serialVersionUID = 1L;

  /** A command whose outcome is unknown, for the reason in {@code message}. */
  public OutcomeUnknownException(String message) {
    super(message);
  }

  /** The same, caused by {@code cause}. */
  public OutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public final boolean outcomeUnknown() {
    return true;
  }
}
