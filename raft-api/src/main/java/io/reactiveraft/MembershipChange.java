package io.reactiveraft;

/** A request to change who is in the cluster, or who leads it. */
public sealed interface MembershipChange {

  /** Add a voter: it joins as a learner, catches up, then is promoted. */
  record AddServer(Member member) implements MembershipChange {}

  /** Add a non-voting member. */
  record AddLearner(Member member) implements MembershipChange {}

  /** Remove a voter or learner (the leader itself included). */
  record RemoveServer(String memberId) implements MembershipChange {}

  /** Hand leadership to another voter (thesis 3.10). */
  record TransferLeadership(String memberId) implements MembershipChange {}
}
