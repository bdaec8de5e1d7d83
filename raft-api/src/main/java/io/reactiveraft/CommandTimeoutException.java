package io.reactiveraft;

import java.time.Duration;

/**
 * The command did not complete within its timeout. Its outcome is unknown: it may still be
 * committed and applied after the caller gave up.
 */
public final class CommandTimeoutException extends OutcomeUnknownException {
  private static final long serialVersionUID = 1L;

  public CommandTimeoutException(Duration timeout) {
    super("command did not complete within " + timeout.toMillis() + " ms; outcome unknown");
  }
}
