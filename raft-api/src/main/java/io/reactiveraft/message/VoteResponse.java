package io.reactiveraft.message;

/**
 * The answer to a {@link VoteRequest}.
 *
 * @param term the voter's term, or the request's term for a granted pre-vote
 * @param granted whether the vote (or pre-vote) was granted
 * @param preVote whether this answers a pre-vote probe
 */
public record VoteResponse(String from, String to, long term, boolean granted, boolean preVote)
    implements RaftMessage {}
