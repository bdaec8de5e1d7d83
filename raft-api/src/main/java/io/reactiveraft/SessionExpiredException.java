package io.reactiveraft;

/**
 * The client session is unknown to the cluster: it expired (no command for the configured session
 * timeout of log time) or never existed, and this is not its first command. The command was not
 * applied now; an earlier attempt of it may have been, so the outcome of the operation is unknown.
 * Start a new session to go on.
 */
public final class SessionExpiredException extends RaftException {
  private static final long serialVersionUID = 1L;

  /** Command {@code sequence} of session {@code clientId} found no live session to apply in. */
  public SessionExpiredException(String clientId, long sequence) {
    super(
        "session "
            + clientId
            + " is unknown or expired; command "
            + sequence
            + " was not applied now and may have been applied before");
  }

  @Override
  public boolean outcomeUnknown() {
    return true;
  }
}
