package io.reactiveraft.core;

import io.reactiveraft.MembershipChangeException;
import io.reactiveraft.MembershipChangeException.Reason;

/**
 * A leader handing its leadership to a chosen voter (thesis 3.10). While the transfer is under way
 * the leader refuses proposals, so that the target catches up with a log that stands still; once
 * the target holds the whole log, the leader tells it to campaign at once ({@code TimeoutNow}). The
 * request completes when the target is seen leading, and fails when another member wins or an
 * election timeout passes first.
 *
 * <p>Part of the core, and as pure: {@link RaftCore} checks the target's progress and sends the
 * message; this class keeps the transfer and reports its outcome through the outbox. Not
 * thread-safe: owned by the event loop.
 */
final class LeadershipTransfer {

  /** One request: abandoned at {@code deadline}, in ticks. */
  private record Request(long requestId, String target, long deadline) {}

  private final Outbox outbox;

  /** Leader: the transfer under way, or null. */
  private Request underWay;

  /** Whether the target of {@link #underWay} was told to campaign. */
  private boolean timeoutSent;

  /** After stepping down for a transfer: it completes when the target is seen leading. */
  private Request awaitingLeader;

  /**
   * Set once this term's leader told a node to campaign. That node's election skips the others'
   * lease, so from then on this leader's lease proves nothing, even after the transfer is given up:
   * the target may have won a term this leader has not heard of.
   */
  private boolean leaseGivenAway;

  LeadershipTransfer(Outbox outbox) {
    this.outbox = outbox;
  }

  /** The member a transfer under way hands leadership to; null when none is. */
  String target() {
    return underWay == null ? null : underWay.target;
  }

  /** Whether this term's leader told a node to campaign, so that its lease no longer holds. */
  boolean leaseGivenAway() {
    return leaseGivenAway;
  }

  /** This node became leader of a new term: no node was told to campaign in it yet. */
  void leadershipBegan() {
    leaseGivenAway = false;
  }

  /**
   * Leader: a caller asks to hand leadership to {@code target}, a voter of the current
   * configuration when {@code targetIsVoter}; a transfer to this node itself is done at once.
   *
   * @param deadline the tick after which the transfer is given up
   */
  void request(long requestId, String target, String self, boolean targetIsVoter, long deadline) {
    if (target.equals(self)) {
      outbox.report(new Action.ChangeCompleted(requestId));
    } else if (!targetIsVoter) {
      outbox.report(
          new Action.ChangeFailed(
              requestId,
              new MembershipChangeException(Reason.NOT_A_MEMBER, target + " is not a voter")));
    } else if (underWay != null) {
      outbox.report(
          new Action.ChangeFailed(
              requestId,
              new MembershipChangeException(
                  Reason.TRANSFER_IN_PROGRESS,
                  "a transfer to " + underWay.target + " is under way")));
    } else {
      underWay = new Request(requestId, target, deadline);
      timeoutSent = false;
    }
  }

  /** Leader: whether a transfer is under way whose target was not yet told to campaign. */
  boolean awaitsHandOver() {
    return underWay != null && !timeoutSent;
  }

  /**
   * Leader: whether {@code peer} was told to campaign for a transfer still under way. The leader
   * sends it nothing more meanwhile: an AppendEntries of this term would turn its pre-vote back
   * into following, and the transfer would fail for it.
   */
  boolean handedOverTo(String peer) {
    return underWay != null && timeoutSent && underWay.target.equals(peer);
  }

  /** Leader: the target holds the whole log and is being told to campaign now. */
  void handedOver() {
    timeoutSent = true;
    leaseGivenAway = true;
  }

  /** The leader stepped down: a transfer under way now waits to see who leads next. */
  void steppedDown() {
    if (underWay != null) {
      awaitingLeader = underWay;
      underWay = null;
    }
  }

  /** A leader is known: a transfer that waited for one learns whether it was its target. */
  void leaderSeen(String leader) {
    if (awaitingLeader == null) {
      return;
    }
    Request t = awaitingLeader;
    awaitingLeader = null;
    outbox.report(
        leader.equals(t.target)
            ? new Action.ChangeCompleted(t.requestId)
            : new Action.ChangeFailed(
                t.requestId,
                new MembershipChangeException(
                    Reason.TRANSFER_TIMED_OUT, leader + " won the election, not " + t.target)));
  }

  /** Per tick: a transfer past its deadline fails, whether or not its leader still leads. */
  void expire(long now) {
    Request t = underWay != null ? underWay : awaitingLeader;
    if (t != null && now > t.deadline) {
      underWay = null;
      awaitingLeader = null;
      outbox.report(
          new Action.ChangeFailed(
              t.requestId,
              new MembershipChangeException(
                  Reason.TRANSFER_TIMED_OUT,
                  "transfer to " + t.target + " did not complete in an election timeout")));
    }
  }
}
