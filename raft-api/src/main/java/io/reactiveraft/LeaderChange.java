package io.reactiveraft;

import java.util.Optional;

/**
 * A change of who leads the cluster, as seen by one node.
 *
 * @param kind what happened
 * @param term the term in which it happened
 * @param previousLeader the leader id this node knew before, or {@code null}
 * @param leader the leader id this node knows now, or {@code null} when it knows none
 * @param cause a short human-readable reason, e.g. {@code "won election"}
 */
public record LeaderChange(
    Kind kind, long term, String previousLeader, String leader, String cause) {

  /** What kind of change this node observed. */
  public enum Kind {
    /** This node became leader. */
    BECAME_LEADER,
    /** This node was leader and stepped down. */
    STEPPED_DOWN,
    /** This node learned of a leader (another node). */
    LEADER_DISCOVERED,
    /** This node no longer knows a leader (election under way). */
    LEADER_LOST
  }

  /** The current leader, when one is known. */
  public Optional<String> currentLeader() {
    return Optional.ofNullable(leader);
  }
}
