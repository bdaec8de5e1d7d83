package io.reactiveraft.message;

/**
 * A follower's answer to an {@link InstallSnapshotRequest}.
 *
 * @param snapshotIndex the index of the snapshot the answer is about
 * @param nextOffset the offset of the chunk the follower expects next; equal to the snapshot's size
 *     once the follower has stored all of it durably
 * @param success false when the sender's term was stale, or when the data received did not have the
 *     snapshot's checksum: the follower dropped it and asks for the snapshot again from offset 0
 */
public record InstallSnapshotResponse(
    String from, String to, long term, long snapshotIndex, long nextOffset, boolean success)
    implements RaftMessage {}
