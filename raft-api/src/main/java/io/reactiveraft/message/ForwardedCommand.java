package io.reactiveraft.message;

import java.util.Objects;

/**
 * A follower hands a client's command to the leader, which appends it as if submitted there.
 *
 * @param requestId the follower's id for the command, echoed in the answer
 * @param type {@code COMMAND} or {@code SESSION_COMMAND}
 * @param payload the encoded command; shared, never modified
 */
public record ForwardedCommand(
    String from, String to, long term, long requestId, EntryType type, byte[] payload)
    implements RaftMessage {

  public ForwardedCommand {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ForwardedCommand f
        && f.from.equals(from)
        && f.to.equals(to)
        && f.term == term
        && f.requestId == requestId
        && f.type == type
        && java.util.Arrays.equals(f.payload, payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(from, to, term, requestId, type, java.util.Arrays.hashCode(payload));
  }
}
