package io.reactiveraft.message;

/**
 * RequestVote (paper section 5.2), or its pre-vote probe (thesis 9.6) that asks whether the
 * receiver would vote without making anyone change term.
 *
 * @param term the candidate's term; for a pre-vote, the term it would campaign in
 * @param lastLogIndex index of the candidate's last entry
 * @param lastLogTerm term of the candidate's last entry
 * @param preVote whether this is a pre-vote probe
 * @param transfer whether the leader asked this candidate to campaign (thesis 3.10): voters then
 *     answer even though they heard that leader recently
 */
public record VoteRequest(
    String from,
    String to,
    long term,
    long lastLogIndex,
    long lastLogTerm,
    boolean preVote,
    boolean transfer)
    implements RaftMessage {

  /** An ordinary vote request or pre-vote probe. */
  public VoteRequest(
      String from, String to, long term, long lastLogIndex, long lastLogTerm, boolean preVote) {
    this(from, to, term, lastLogIndex, lastLogTerm, preVote, false);
  }
}
