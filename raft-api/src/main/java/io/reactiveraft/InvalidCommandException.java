package io.reactiveraft;

/**
 * A command (or its call) that a node refused before it reached the log: null, too large, refused
 * by the codec, or given an invalid timeout. It was definitely not applied. An {@link
 * IllegalArgumentException}, so that it says what it is to callers who catch that; unlike one
 * thrown by {@link StateMachine#apply}, which is that command's outcome after it committed. Only
 * the node throws it: a state machine that threw it from {@code apply} would have its applied
 * command taken for one never applied (by {@link ClientSession}, say).
 */
public final class InvalidCommandException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** A command refused before it was proposed, for the reason in {@code message}. */
  public InvalidCommandException(String message) {
    super(message);
  }

  /** The same, caused by {@code cause} (the codec's failure, say). */
  public InvalidCommandException(String message, Throwable cause) {
    super(message, cause);
  }
}
