package io.reactiveraft.message;

/**
 * A message between two Raft peers. Every message names its sender, its receiver and the sender's
 * term, so a receiver can apply the term rules of the Raft paper (section 5.1) before looking at
 * anything else.
 */
public sealed interface RaftMessage
    permits VoteRequest,
        VoteResponse,
        AppendEntriesRequest,
        AppendEntriesResponse,
        TimeoutNow,
        ReadIndexRequest,
        ReadIndexResponse,
        ForwardedCommand,
        ForwardedCommandResponse,
        InstallSnapshotRequest,
        InstallSnapshotResponse {

  /** The sending member's id. */
  String from();

  /** The receiving member's id. */
  String to();

  /** The sender's term (for a pre-vote request: the term it would campaign in). */
  long term();
}
