package io.reactiveraft.message;

/**
 * The leader tells an up-to-date follower to start an election at once, skipping pre-vote: the last
 * step of a leadership transfer (thesis 3.10).
 */
public record TimeoutNow(String from, String to, long term) implements RaftMessage {}
