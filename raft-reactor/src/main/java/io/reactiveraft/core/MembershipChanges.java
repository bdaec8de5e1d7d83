package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.LeadershipLostException;
import io.reactiveraft.MembershipChange;
import io.reactiveraft.MembershipChangeException;
import io.reactiveraft.MembershipChangeException.Reason;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.RaftEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A leader's membership changes in flight (thesis 4.2): single-server changes, one at a time, each
 * answered once its configuration entry commits; a server being added joins as a learner first and
 * is promoted only once it keeps up (thesis 4.2.1). Changes wait until the leader has committed an
 * entry of its own term: otherwise two changes across a leader change can each form a majority
 * without overlap (Ongaro, raft-dev 2015).
 *
 * <p>Part of the core, and as pure: it proposes entries and reports outcomes through {@link
 * Leader}, and keeps nothing but the changes themselves. Leader only; {@link #abandon} when
 * leadership ends.
 */
final class MembershipChanges {

  /** What the changes read from, and do through, the leading core. */
  interface Leader {

    /** Whether an entry of the current term has committed. */
    boolean committedInTerm();

    /** The member leadership is being transferred to, or null when no transfer is under way. */
    String transferTarget();

    long commitIndex();

    long lastIndex();

    /** Logical time, in ticks. */
    long now();

    Membership membership();

    /** Appends an entry carrying {@code next}; returns its index. */
    long propose(ClusterConfiguration next);

    /** The highest index {@code member} is known to hold, or -1 when it is not replicated to. */
    long matchIndex(String member);

    /**
     * How far {@code member} has acknowledged the snapshot being sent to it, in bytes; -1 when no
     * snapshot is being sent.
     */
    long snapshotOffset(String member);

    /** The answer for callers when this node does not lead. */
    NotLeaderException notLeader();

    /** The answer for a change whose entry at {@code index} may or may not commit. */
    LeadershipLostException leadershipLost(long index);

    /** Reports the outcome of a change request ({@code ChangeCompleted}, {@code ChangeFailed}). */
    void report(Action outcome);
  }

  /** A configuration change proposed at {@code index}; its caller waits for the commit. */
  private record PendingChange(long requestId, long index) {}

  /** A server joining as a learner, replicated in rounds before its promotion. */
  private static final class CatchUp {
    final long requestId;
    final String id;
    final long learnerIndex;

    /** A learner before the request: one that fails to catch up stays one. */
    final boolean wasLearner;

    int round;
    long roundTarget;
    long roundStartedAt;

    /** The snapshot offset the learner had acknowledged when its round was last extended. */
    long snapshotOffset = -1;

    CatchUp(long requestId, String id, long learnerIndex, boolean wasLearner) {
      this.requestId = requestId;
      this.id = id;
      this.learnerIndex = learnerIndex;
      this.wasLearner = wasLearner;
    }
  }

  private final Leader leader;
  private final int electionTicks;
  private final int catchUpRounds;

  /** Proposed and not yet committed. */
  private final List<PendingChange> pending = new ArrayList<>();

  /** Arrived before this term's first entry committed. */
  private final List<RaftEvent.ChangeRequested> deferred = new ArrayList<>();

  /** A server being added, catching up before its promotion; null when none. */
  private CatchUp catchUp;

  /**
   * @param electionTicks a catch-up round shorter than this shows the learner keeps up
   * @param catchUpRounds rounds a learner gets before it is given up and removed
   */
  MembershipChanges(Leader leader, int electionTicks, int catchUpRounds) {
    this.leader = leader;
    this.electionTicks = electionTicks;
    this.catchUpRounds = catchUpRounds;
  }

  /**
   * Starts {@code change}, or refuses it.
   *
   * @throws IllegalArgumentException for a leadership transfer, which the core runs itself
   */
  void request(long requestId, MembershipChange change) {
    if (change instanceof MembershipChange.TransferLeadership) {
      throw new IllegalArgumentException("a leadership transfer is not a membership change");
    }
    if (!leader.committedInTerm()) {
      deferred.add(new RaftEvent.ChangeRequested(requestId, change));
      return;
    }
    Membership membership = leader.membership();
    ClusterConfiguration c = membership.current();
    MembershipChangeException refusal = null;
    if (leader.transferTarget() != null) {
      // The log must hold still while the target catches up (thesis 3.10).
      refusal =
          refuse(Reason.TRANSFER_IN_PROGRESS, "leadership is moving to " + leader.transferTarget());
    } else if (membership.index() > leader.commitIndex() || catchUp != null) {
      refusal = refuse(Reason.CHANGE_IN_PROGRESS, "another membership change is in flight");
    } else if (change instanceof MembershipChange.AddServer add
        && c.contains(add.member().id())
        && !c.member(add.member().id()).orElseThrow().equals(add.member())) {
      refusal =
          refuse(
              Reason.ALREADY_MEMBER,
              add.member().id() + " is already a member, as " + c.member(add.member().id()).get());
    } else if (change instanceof MembershipChange.AddServer add && c.isVoter(add.member().id())) {
      refusal = refuse(Reason.ALREADY_MEMBER, add.member().id() + " is already a voter");
    } else if (change instanceof MembershipChange.AddLearner add && c.contains(add.member().id())) {
      refusal = refuse(Reason.ALREADY_MEMBER, add.member().id() + " is already a member");
    } else if (change instanceof MembershipChange.RemoveServer rm && !c.contains(rm.memberId())) {
      refusal = refuse(Reason.NOT_A_MEMBER, rm.memberId() + " is not a member");
    } else if (change instanceof MembershipChange.RemoveServer rm
        && c.voters().size() == 1
        && c.isVoter(rm.memberId())) {
      refusal = refuse(Reason.LAST_VOTER, "cannot remove the last voter " + rm.memberId());
    }
    if (refusal != null) {
      leader.report(new Action.ChangeFailed(requestId, refusal));
      return;
    }
    if (change instanceof MembershipChange.AddServer add && c.isLearner(add.member().id())) {
      // Already a learner (added as one, or by an addition a leader change cut short): it is
      // promoted once it catches up, as if it had just joined.
      catchUp = new CatchUp(requestId, add.member().id(), membership.index(), true);
    } else if (change instanceof MembershipChange.AddServer add) {
      long index = leader.propose(c.withLearner(add.member()));
      catchUp = new CatchUp(requestId, add.member().id(), index, false);
    } else if (change instanceof MembershipChange.AddLearner add) {
      pending.add(new PendingChange(requestId, leader.propose(c.withLearner(add.member()))));
    } else if (change instanceof MembershipChange.RemoveServer rm) {
      pending.add(new PendingChange(requestId, leader.propose(c.without(rm.memberId()))));
    }
  }

  /** Once per batch: starts deferred changes, answers committed ones, moves a catch-up along. */
  void supervise() {
    if (!deferred.isEmpty() && leader.committedInTerm()) {
      List<RaftEvent.ChangeRequested> ready = List.copyOf(deferred);
      deferred.clear();
      ready.forEach(r -> request(r.requestId(), r.change()));
    }
    long commitIndex = leader.commitIndex();
    pending.removeIf(
        p -> {
          if (p.index() <= commitIndex) {
            leader.report(new Action.ChangeCompleted(p.requestId()));
            return true;
          }
          return false;
        });
    if (catchUp != null && leader.transferTarget() != null) {
      // A promotion waits while a transfer holds the log still, and the round restarts after
      // it: the time the transfer took says nothing of how the learner keeps up.
      catchUp.roundStartedAt = leader.now();
    } else if (catchUp != null) {
      advance(catchUp);
    }
  }

  private void advance(CatchUp cu) {
    if (leader.commitIndex() < cu.learnerIndex) {
      return; // the learner entry first
    }
    long matchIndex = leader.matchIndex(cu.id);
    if (matchIndex < 0) {
      catchUp = null; // removed meanwhile
      leader.report(
          new Action.ChangeFailed(
              cu.requestId, refuse(Reason.NOT_A_MEMBER, cu.id + " was removed")));
      return;
    }
    if (cu.round == 0) {
      startRound(cu);
      return;
    }
    long elapsed = leader.now() - cu.roundStartedAt;
    long snapshotOffset = leader.snapshotOffset(cu.id);
    if (matchIndex < cu.roundTarget
        && elapsed > 10L * electionTicks
        && snapshotOffset > cu.snapshotOffset) {
      // Not stalled: a snapshot is on its way and moved since the round began or was last
      // extended. A large state takes longer than any round; the rounds count only once it is in.
      cu.snapshotOffset = snapshotOffset;
      cu.roundStartedAt = leader.now();
      return;
    }
    if (matchIndex >= cu.roundTarget && elapsed <= electionTicks) {
      // The last round took less than an election timeout: the learner can keep up as a voter.
      catchUp = null;
      pending.add(
          new PendingChange(
              cu.requestId, leader.propose(leader.membership().current().promote(cu.id))));
    } else if (matchIndex >= cu.roundTarget || elapsed > 10L * electionTicks) {
      if (cu.round >= catchUpRounds) {
        catchUp = null;
        if (!cu.wasLearner) {
          leader.propose(leader.membership().current().without(cu.id));
        }
        leader.report(
            new Action.ChangeFailed(
                cu.requestId,
                refuse(
                    Reason.CATCH_UP_FAILED,
                    cu.id
                        + " did not catch up in "
                        + cu.round
                        + " rounds; "
                        + (cu.wasLearner ? "it stays a learner" : "it is being removed"))));
      } else {
        startRound(cu);
      }
    }
  }

  private void startRound(CatchUp cu) {
    cu.round++;
    cu.snapshotOffset = -1;
    cu.roundTarget = leader.lastIndex();
    cu.roundStartedAt = leader.now();
  }

  /** Leadership is lost: callers of unfinished changes cannot know whether they commit. */
  void abandon() {
    for (RaftEvent.ChangeRequested r : deferred) {
      leader.report(new Action.ChangeFailed(r.requestId(), leader.notLeader()));
    }
    deferred.clear();
    for (PendingChange p : pending) {
      leader.report(new Action.ChangeFailed(p.requestId(), leader.leadershipLost(p.index())));
    }
    pending.clear();
    if (catchUp != null) {
      leader.report(
          new Action.ChangeFailed(catchUp.requestId, leader.leadershipLost(catchUp.learnerIndex)));
      catchUp = null;
    }
  }

  private static MembershipChangeException refuse(Reason reason, String message) {
    return new MembershipChangeException(reason, message);
  }
}
