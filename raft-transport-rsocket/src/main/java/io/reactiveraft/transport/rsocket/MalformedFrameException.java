package io.reactiveraft.transport.rsocket;

/**
 * A frame that is not a valid encoding of a Raft message: truncated, too large, of an unknown
 * version or kind, or with a field out of range. The receiver answers such a frame with an RSocket
 * error and keeps serving the connection.
 */
public final class MalformedFrameException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param reason what is wrong with the frame, for the log and the error sent back
   */
  public MalformedFrameException(String reason) {
    super(reason, null, false, false);
  }

  /**
   * @param reason what is wrong with the frame
   * @param cause the validation error that revealed it
   */
  public MalformedFrameException(String reason, Throwable cause) {
    super(reason, cause, false, false);
  }
}
