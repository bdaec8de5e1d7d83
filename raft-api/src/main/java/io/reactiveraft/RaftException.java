package io.reactiveraft;

/**
 * Base of the errors a {@link RaftNode} reports through its {@code Mono}s. Each subtype says
 * whether the command may still take effect: see {@link #outcomeUnknown()}.
 */
public abstract class RaftException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected RaftException(String message) {
    super(message);
  }

  protected RaftException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Whether the command may still be committed and applied. When {@code false} it definitely was
   * not; when {@code true} a caller must not blindly resend a non-idempotent command.
   */
  public abstract boolean outcomeUnknown();
}
