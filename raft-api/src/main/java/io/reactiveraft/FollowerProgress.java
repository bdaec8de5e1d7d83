package io.reactiveraft;

/**
 * What a leader knows of one follower's log.
 *
 * @param nextIndex the next index the leader will send
 * @param matchIndex the highest index known to be stored durably on the follower
 * @param inflightAppends AppendEntries requests sent and not yet acknowledged
 */
public record FollowerProgress(long nextIndex, long matchIndex, int inflightAppends) {}
