package io.reactiveraft;

/**
 * The node already holds as many pending commands (or bytes of them), or as many waiting reads, as
 * its configuration allows ({@link RaftConfig#maxPendingCommands()}); the command or read was
 * refused without being proposed. Retry after some complete.
 */
public final class OverloadedException extends RaftException {
  private static final long serialVersionUID = 1L;

  /**
   * @param nodeId the node that refused the command or read
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
