package io.reactiveraft.core;

import java.util.List;

/**
 * The settings of the protocol core, in ticks and counts.
 *
 * @param selfId this node's id
 * @param voters every voting member's id, this node's included
 * @param electionTicks the base election timeout T; each wait is drawn from [T, 2T)
 * @param heartbeatTicks ticks between a leader's heartbeats
 * @param preVote whether to run a pre-vote before raising the term (thesis 9.6)
 * @param checkQuorum whether a leader steps down without a majority's contact, and followers that
 *     hear a leader ignore vote requests
 * @param maxEntriesPerAppend the most entries in one AppendEntries
 * @param maxAppendBytes the byte cap of one AppendEntries
 * @param maxInflightAppends the pipelining window per follower
 */
public record CoreConfig(
    String selfId,
    List<String> voters,
    int electionTicks,
    int heartbeatTicks,
    boolean preVote,
    boolean checkQuorum,
    int maxEntriesPerAppend,
    int maxAppendBytes,
    int maxInflightAppends) {

  public CoreConfig {
    voters = List.copyOf(voters);
    if (!voters.contains(selfId)) {
      throw new IllegalArgumentException(selfId + " is not among the voters " + voters);
    }
    if (heartbeatTicks < 1 || electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException(
          "need 1 <= heartbeatTicks < electionTicks, got " + heartbeatTicks + ", " + electionTicks);
    }
  }

  /** The votes needed to win or commit: a strict majority of the voters. */
  public int quorum() {
    return voters.size() / 2 + 1;
  }
}
