package io.reactiveraft;

/**
 * The node already holds as many pending commands (or bytes of them) as its configuration allows;
 * the command was refused without being proposed. Retry after some complete.
 */
public final class OverloadedException extends RaftException {
  private static final long serialVersionUID = 1L;

  public OverloadedException(String message) {
    super(message);
  }

  @Override
  public boolean outcomeUnknown() {
    return false;
  }
}
