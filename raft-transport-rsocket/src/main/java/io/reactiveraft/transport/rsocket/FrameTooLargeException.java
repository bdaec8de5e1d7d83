package io.reactiveraft.transport.rsocket;

import io.reactiveraft.message.RaftMessage;

/**
 * A message whose frame would exceed the configured maximum frame size. The sender drops it: the
 * receiver would refuse it anyway. Raise the transport's {@code maxFrameSize} above the node's
 * {@code maxAppendBytes} plus the per-entry overhead so that replication never meets this.
 */
public final class FrameTooLargeException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  FrameTooLargeException(RaftMessage message, long size, int limit) {
    super(
        message.getClass().getSimpleName()
            + " to "
            + message.to()
            + " needs "
            + size
            + " bytes, over the frame limit of "
            + limit);
  }
}
