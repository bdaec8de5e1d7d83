package io.reactiveraft;

import java.time.Duration;

/**
 * The command did not complete within its timeout. Its outcome is unknown: it may still be
 * committed and applied after the caller gave up.
 */
public final class CommandTimeoutException extends OutcomeUnknownException {
  private static final long serialVersionUID = 1L;

  /**
   * @param nodeId the node the command was submitted to
   * @param timeout the time it had
   */
  public CommandTimeoutException(String nodeId, Duration timeout) {
    super(
        "node "
            + nodeId
            + ": command did not complete within "
            + timeout.toMillis()
            + " ms; outcome unknown");
  }
}
