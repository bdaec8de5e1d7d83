package io.reactiveraft;

/**
 * The node already holds as many pending commands (or bytes of them) as its configuration allows;
 * the command was refused without being proposed. Retry after some complete.
 */
public final class OverloadedException extends RaftException {
  private static final long serialVersionUID = 1L;

  /**
   * @param nodeId the node that refused the command
   * @param reason which limit was reached
   */
  public OverloadedException(String nodeId, String reason) {
    super("node " + nodeId + ": " + reason);
  }

  @Override
  public boolean outcomeUnknown() {
    return false;
  }
}
