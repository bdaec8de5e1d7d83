package io.reactiveraft;

import java.util.Optional;

/** The node is not the leader, so it did not accept the command; it was not applied. */
public final class NotLeaderException extends RaftException {
  private static final long serialVersionUID = 1L;

  private final String leaderId;
  private final String leaderAddress;

  /**
   * @param nodeId the node that refused
   * @param leaderId the leader it knows, or {@code null}
   * @param leaderAddress that leader's address, or {@code null}
   */
  public NotLeaderException(String nodeId, String leaderId, String leaderAddress) {
    super(
        "node "
            + nodeId
            + " is not the leader"
            + (leaderId == null ? "; no leader known" : "; leader is " + leaderId)
            + (leaderAddress == null ? "" : " at " + leaderAddress));
    this.leaderId = leaderId;
    this.leaderAddress = leaderAddress;
  }

  /** The leader's id, when the refusing node knows it. */
  public Optional<String> leaderId() {
    return Optional.ofNullable(leaderId);
  }

  /** The leader's transport address, when known. */
  public Optional<String> leaderAddress() {
    return Optional.ofNullable(leaderAddress);
  }

  @Override
  public boolean outcomeUnknown() {
    return false;
  }
}
