package io.reactiveraft.message;

/**
 * The leader's answer to a {@link ForwardedCommand}: where it appended the command, so that the
 * follower can answer its caller when it applies that entry itself.
 *
 * @param requestId the follower's id for the command
 * @param index the log index of the entry, when accepted
 * @param entryTerm the term of the entry, when accepted
 * @param accepted false when the sender is not (or no longer) the leader, or refuses proposals
 */
public record ForwardedCommandResponse(
    String from, String to, long term, long requestId, long index, long entryTerm, boolean accepted)
    implements RaftMessage {}
