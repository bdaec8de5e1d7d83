package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import java.util.List;

/**
 * The settings of the protocol core, in ticks and counts.
 *
 * @param selfId this node's id
 * @param initialConfiguration the members before the log holds a configuration entry
 * @param electionTicks the base election timeout T; each wait is drawn from [T, 2T)
 * @param heartbeatTicks ticks between a leader's heartbeats
 * @param preVote whether to run a pre-vote before raising the term (thesis 9.6)
 * @param checkQuorum whether a leader steps down without a majority's contact, and followers that
 *     hear a leader ignore vote requests
 * @param maxEntriesPerAppend the most entries in one AppendEntries
 * @param maxAppendBytes the byte cap of one AppendEntries
 * @param maxInflightAppends the pipelining window per follower
 * @param catchUpRounds rounds a new server gets to catch up before it is promoted
 * @param leaseNanos when positive, a leader answers reads without a round of heartbeats for this
 *     long, by the monotonic clock, after a majority answered a request (lease reads); 0 turns
 *     leases off
 * @param bootstrap whether an empty node may vote and campaign: true on the first start of a new
 *     cluster; false for a node joining, or one whose disk was wiped, which must first get the log
 *     from a leader so that it cannot forget a vote it gave
 * @param forwardToLeader whether a follower hands client commands to the leader instead of refusing
 *     them
 * @param snapshotChunkBytes the most snapshot bytes a leader sends a follower in one message
 */
public record CoreConfig(
    String selfId,
    ClusterConfiguration initialConfiguration,
    int electionTicks,
    int heartbeatTicks,
    boolean preVote,
    boolean checkQuorum,
    int maxEntriesPerAppend,
    int maxAppendBytes,
    int maxInflightAppends,
    int catchUpRounds,
    long leaseNanos,
    boolean bootstrap,
    boolean forwardToLeader,
    int snapshotChunkBytes) {

  /** The default size of a snapshot chunk. */
  public static final int DEFAULT_SNAPSHOT_CHUNK_BYTES = 1 << 20;

  /**
   * A configuration that does not forward commands from followers and sends snapshots in chunks of
   * the default size.
   */
  public CoreConfig(
      String selfId,
      ClusterConfiguration initialConfiguration,
      int electionTicks,
      int heartbeatTicks,
      boolean preVote,
      boolean checkQuorum,
      int maxEntriesPerAppend,
      int maxAppendBytes,
      int maxInflightAppends,
      int catchUpRounds,
      long leaseNanos,
      boolean bootstrap) {
    this(
        selfId,
        initialConfiguration,
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        maxEntriesPerAppend,
        maxAppendBytes,
        maxInflightAppends,
        catchUpRounds,
        leaseNanos,
        bootstrap,
        false,
        DEFAULT_SNAPSHOT_CHUNK_BYTES);
  }

  public CoreConfig {
    if (heartbeatTicks < 1 || electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException(
          "need 1 <= heartbeatTicks < electionTicks, got " + heartbeatTicks + ", " + electionTicks);
    }
    if (snapshotChunkBytes < 1) {
      throw new IllegalArgumentException("snapshotChunkBytes must be >= 1: " + snapshotChunkBytes);
    }
  }

  /** This configuration with leases of {@code nanos} (0: off). */
  public CoreConfig withLeaseNanos(long nanos) {
    return new CoreConfig(
        selfId,
        initialConfiguration,
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        maxEntriesPerAppend,
        maxAppendBytes,
        maxInflightAppends,
        catchUpRounds,
        nanos,
        bootstrap,
        forwardToLeader,
        snapshotChunkBytes);
  }

  /** This configuration with snapshot chunks of {@code bytes}. */
  public CoreConfig withSnapshotChunkBytes(int bytes) {
    return new CoreConfig(
        selfId,
        initialConfiguration,
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        maxEntriesPerAppend,
        maxAppendBytes,
        maxInflightAppends,
        catchUpRounds,
        leaseNanos,
        bootstrap,
        forwardToLeader,
        bytes);
  }

  /** A configuration of voters named by id, for tests: addresses are the ids. */
  public static ClusterConfiguration votersNamed(List<String> ids) {
    return new ClusterConfiguration(ids.stream().map(id -> new Member(id, id)).toList(), List.of());
  }
}
