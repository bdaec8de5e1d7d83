package io.reactiveraft.message;

/**
 * The leader's answer to a {@link ReadIndexRequest}.
 *
 * @param requestId the follower's id for the read
 * @param readIndex when {@code ok}, the index the follower must have applied before it answers
 * @param ok false when the sender is not (or no longer) the leader
 */
public record ReadIndexResponse(
    String from, String to, long term, long requestId, long readIndex, boolean ok)
    implements RaftMessage {}
