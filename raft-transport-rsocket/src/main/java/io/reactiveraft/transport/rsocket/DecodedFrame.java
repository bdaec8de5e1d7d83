package io.reactiveraft.transport.rsocket;

import io.reactiveraft.message.RaftMessage;
import java.util.Objects;

/**
 * A Raft message as it came off the wire, with the Raft group it is addressed to.
 *
 * @param group the Raft group id the sender addressed, so that one port can serve several groups
 * @param message the decoded message
 */
public record DecodedFrame(String group, RaftMessage message) {

  public DecodedFrame {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(message, "message");
  }
}
