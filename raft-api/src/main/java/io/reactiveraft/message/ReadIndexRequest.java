package io.reactiveraft.message;

/**
 * A follower asks the leader for a read index on behalf of a local read (thesis 6.4): the leader
 * confirms its leadership as for its own reads and answers with its commit index.
 *
 * @param requestId the follower's id for the read, echoed in the answer
 */
public record ReadIndexRequest(String from, String to, long term, long requestId)
    implements RaftMessage {}
