package io.reactiveraft.message;

/**
 * The answer to an {@link AppendEntriesRequest}.
 *
 * <p>On success, {@code matchIndex} is the highest index the follower has stored durably and knows
 * to match the leader's log. On rejection, the conflict hint lets the leader skip a whole term of
 * mismatching entries in one round trip (paper section 5.3, last paragraph).
 *
 * @param success whether the consistency check passed
 * @param matchIndex on success, the highest durable index matching the leader's log
 * @param conflictTerm on rejection, the follower's term at prevLogIndex, or 0 if it has no entry
 *     there
 * @param conflictIndex on rejection, the first index of conflictTerm in the follower's log, or its
 *     last index + 1 when its log is too short
 */
public record AppendEntriesResponse(
    String from,
    String to,
    long term,
    boolean success,
    long matchIndex,
    long conflictTerm,
    long conflictIndex)
    implements RaftMessage {}
