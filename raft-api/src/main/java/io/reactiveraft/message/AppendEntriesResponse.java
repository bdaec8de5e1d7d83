package io.reactiveraft.message;

/**
 * The answer to an {@link AppendEntriesRequest}.
 *
 * <p>On success, {@code matchIndex} is the highest index the follower has stored durably and knows
 * to match the leader's log. On rejection, the conflict hint lets the leader skip a whole term of
 * mismatching entries in one round trip (paper section 5.3, last paragraph).
 *
 * @param success whether the consistency check passed
 * @param matchIndex on success, the highest durable index matching the leader's log; on rejection,
 *     the prevLogIndex of the request that failed (so the leader can tell stale rejections from
 *     current ones)
 * @param conflictTerm on rejection, the follower's term at prevLogIndex, or 0 if it has no entry
 *     there
 * @param conflictIndex on rejection, the first index of conflictTerm in the follower's log, or its
 *     last index + 1 when its log is too short
 * @param sequence the highest request sequence of this term the follower has answered
 */
public record AppendEntriesResponse(
    String from,
    String to,
    long term,
    boolean success,
    long matchIndex,
    long conflictTerm,
    long conflictIndex,
    long sequence)
    implements RaftMessage {

  /** A response without a sequence number. */
  public AppendEntriesResponse(
      String from,
      String to,
      long term,
      boolean success,
      long matchIndex,
      long conflictTerm,
      long conflictIndex) {
    this(from, to, term, success, matchIndex, conflictTerm, conflictIndex, 0);
  }
}
