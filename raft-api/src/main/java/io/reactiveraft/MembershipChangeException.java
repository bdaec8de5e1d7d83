package io.reactiveraft;

/**
 * A membership change or leadership transfer was refused or failed; the configuration is as it was,
 * except where {@link #reason()} says otherwise.
 */
public final class MembershipChangeException extends RaftException {
  private static final long serialVersionUID = 1L;

  /** Why the change did not happen. */
  public enum Reason {
    /**
     * The member to add is already in the configuration: as a voter, or (for {@code addLearner}, or
     * an {@code addServer} at another address) as a learner.
     */
    ALREADY_MEMBER,
    /** The member to remove, promote or transfer to is not in the configuration. */
    NOT_A_MEMBER,
    /** Another change is still uncommitted; one change at a time (thesis 4.1). */
    CHANGE_IN_PROGRESS,
    /**
     * The new member did not catch up within the configured rounds; it was removed again (a member
     * that was a learner before the request stays one).
     */
    CATCH_UP_FAILED,
    /** A leadership transfer did not complete within an election timeout. */
    TRANSFER_TIMED_OUT,
    /**
     * A leadership transfer is under way: new commands and membership changes are refused until it
     * ends.
     */
    TRANSFER_IN_PROGRESS,
    /** The change would leave no voter. */
    LAST_VOTER
  }

  private final Reason reason;

  /** A change refused or failed for {@code reason}, explained by {@code message}. */
  public MembershipChangeException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** Why the change was refused or failed; every reason means it did not take effect. */
  public Reason reason() {
    return reason;
  }

  @Override
  public boolean outcomeUnknown() {
    return false;
  }
}
