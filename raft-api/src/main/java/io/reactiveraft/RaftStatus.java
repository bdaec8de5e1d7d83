package io.reactiveraft;

import java.util.List;
import java.util.Map;

/**
 * A point-in-time view of one node, taken on its event loop.
 *
 * @param id this node's id
 * @param role its role
 * @param term its current term
 * @param leader the leader it knows, or {@code null}
 * @param votedFor whom it voted for in this term, or {@code null}
 * @param commitIndex the highest index known committed
 * @param lastApplied the highest index applied to the state machine
 * @param firstLogIndex the index of the first entry the log holds; entries before it are covered by
 *     a snapshot
 * @param lastLogIndex the index of the last log entry
 * @param lastLogTerm the term of the last log entry
 * @param members the current voters
 * @param learners the current non-voting members
 * @param followers for a leader, each follower's replication progress; empty otherwise
 * @param snapshots the last included index of each snapshot held, oldest first
 * @param lostIndexMissing while this node's log lacks entries a cut at damage took ({@code
 *     io.reactiveraft.spi.LogStore#lostEntries}), the index it must hold again; it neither votes
 *     nor campaigns until then (or until it holds an entry of a later term). 0 otherwise
 */
public record RaftStatus(
    String id,
    Role role,
    long term,
    String leader,
    String votedFor,
    long commitIndex,
    long lastApplied,
    long firstLogIndex,
    long lastLogIndex,
    long lastLogTerm,
    List<Member> members,
    List<Member> learners,
    Map<String, FollowerProgress> followers,
    List<Long> snapshots,
    long lostIndexMissing) {

  public RaftStatus {
    members = List.copyOf(members);
    learners = List.copyOf(learners);
    followers = Map.copyOf(followers);
    snapshots = List.copyOf(snapshots);
  }
}
