package io.reactiveraft;

/**
 * The node is closed, or stopped itself after a storage failure (fail-stop). Commands pending when
 * it closed may or may not have been committed by the rest of the cluster.
 */
public final class NodeClosedException extends RaftException {
  private static final long serialVersionUID = 1L;

  private final boolean pendingWhenClosed;

  private NodeClosedException(String message, Throwable cause, boolean pendingWhenClosed) {
    super(message, cause);
    this.pendingWhenClosed = pendingWhenClosed;
  }

  /** For a command submitted after the node closed: it was never accepted. */
  public static NodeClosedException rejected(String nodeId, Throwable cause) {
    return new NodeClosedException("node " + nodeId + " is closed", cause, false);
  }

  /** For a command that was accepted and still pending when the node closed. */
  public static NodeClosedException whilePending(String nodeId, Throwable cause) {
    return new NodeClosedException(
        "node " + nodeId + " closed while the command was pending; outcome unknown", cause, true);
  }

  @Override
  public boolean outcomeUnknown() {
    return pendingWhenClosed;
  }
}
