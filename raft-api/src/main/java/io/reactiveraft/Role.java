package io.reactiveraft;

/** The role a node plays in its current term (Raft paper section 5.2, thesis 9.6). */
public enum Role {
  /** Follows a leader, or waits for one. */
  FOLLOWER,
  /**
   * Asks whether it could win an election before disturbing anyone: terms are not bumped until a
   * majority answers yes (thesis 9.6).
   */
  PRE_CANDIDATE,
  /** Has bumped its term and asks for votes. */
  CANDIDATE,
  /** Accepts commands and replicates the log. */
  LEADER
}
