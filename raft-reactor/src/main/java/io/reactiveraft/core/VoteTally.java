package io.reactiveraft.core;

import java.util.HashMap;
import java.util.Map;

/** Counts the answers of one election or pre-vote round; the first answer of a voter counts. */
final class VoteTally {

  enum Result {
    WON,
    LOST,
    PENDING
  }

  private final int quorum;
  private final int voters;
  private final Map<String, Boolean> answers = new HashMap<>();

  VoteTally(int quorum, int voters) {
    this.quorum = quorum;
    this.voters = voters;
  }

  Result record(String voter, boolean granted) {
    answers.putIfAbsent(voter, granted);
    long yes = answers.values().stream().filter(b -> b).count();
    long no = answers.size() - yes;
    if (yes >= quorum) {
      return Result.WON;
    }
    return voters - no < quorum ? Result.LOST : Result.PENDING;
  }
}
