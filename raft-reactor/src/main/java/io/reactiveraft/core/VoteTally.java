package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Counts the answers of one election or pre-vote round in one configuration: the first answer of
 * each of its voters counts, and nobody else's, the candidate's own included when it is no voter.
 */
final class VoteTally {

  enum Result {
    WON,
    LOST,
    PENDING
  }

  private final int quorum;
  private final Set<String> voters;
  private final Map<String, Boolean> answers = new HashMap<>();

  VoteTally(ClusterConfiguration configuration) {
    this.quorum = configuration.quorum();
    this.voters = configuration.voters().stream().map(Member::id).collect(Collectors.toSet());
  }

  Result record(String voter, boolean granted) {
    if (voters.contains(voter)) {
      answers.putIfAbsent(voter, granted);
    }
    long yes = answers.values().stream().filter(b -> b).count();
    long no = answers.size() - yes;
    if (yes >= quorum) {
      return Result.WON;
    }
    return voters.size() - no < quorum ? Result.LOST : Result.PENDING;
  }
}
