package io.reactiveraft.core;

import java.util.EnumSet;
import java.util.Set;

/**
 * Deliberate defects of the protocol and the node, for one purpose only: tests that prove the
 * simulation catches each of them. Never enable one outside such a test. With none enabled (the
 * default) each check costs one read of a volatile boolean.
 */
public final class InjectedDefects {

  /** The defects the simulation must catch. */
  public enum Defect {
    /** Commit an entry of an older term by counting replicas (paper Figure 8). */
    COMMIT_BY_COUNTING,
    /** A follower acknowledges entries before they are durable. */
    ACK_BEFORE_DURABLE,
    /** Never store term and vote, so a restarted node can vote twice in a term. */
    FORGET_TERM_AND_VOTE,
    /** Accept a durability ack for an entry that was truncated and rewritten (ABA). */
    ACCEPT_STALE_DURABILITY_ACK,
    /** Truncate the log after a fully matching, possibly stale, AppendEntries. */
    TRUNCATE_AFTER_MATCHING_APPEND,
    /** A new leader answers reads before an entry of its term commits (thesis 6.4). */
    READ_BEFORE_OWN_TERM_COMMIT,
    /** A leader answers reads at once, with no heartbeat round or lease to confirm it leads. */
    READ_WITHOUT_QUORUM,
    /** A new leader proposes a membership change before an entry of its term commits. */
    CHANGE_BEFORE_OWN_TERM_COMMIT,
    /** A node whose log was cut at damage votes and campaigns as if it had lost nothing. */
    IGNORE_LOST_ENTRIES,
    /**
     * A follower takes entries after {@code prevLogIndex} without checking that its entry there has
     * {@code prevLogTerm} (paper Figure 2, AppendEntries rule 2).
     */
    SKIP_PREV_TERM_CHECK,
    /** A leader commits what its own log holds durably, without waiting for a majority. */
    COMMIT_WITHOUT_MAJORITY,
    /** A session command resent after it applied is applied again (thesis 6.3). */
    APPLY_RESENT_COMMAND_AGAIN,
    /**
     * A node whose log flush failed flushes again and carries on once that succeeds, where it must
     * stop: after a failed fsync, what it covered may never reach the disk, whatever later flushes
     * report.
     */
    RETRY_FAILED_FLUSH,
    /** A voter grants its vote to every candidate of a term, not only to the first it chose. */
    GRANT_VOTE_TWICE,
    /**
     * A voter grants its vote without checking that the candidate's log is at least as up to date
     * as its own (paper section 5.4.1, the election restriction).
     */
    SKIP_UP_TO_DATE_CHECK,
    /**
     * With leases, a restarted node votes at once, though it no longer knows when it last heard a
     * leader whose lease may count on its silence.
     */
    NO_QUIET_AFTER_RESTART,
    /**
     * A follower commits up to the leader's commit index within its whole log, not only within the
     * entries the request showed to match the leader's (paper Figure 2, AppendEntries rule 5).
     */
    COMMIT_PAST_MATCHED_ENTRIES,
    /**
     * A node records its whole log as committed in its store, so that after a restart it applies
     * entries no majority may hold.
     */
    SAVE_UNCOMMITTED_AS_COMMITTED,
    /**
     * A restarted node ignores the commit index its store recorded and starts from its snapshot, so
     * its commit index goes back across the restart (invariant 6).
     */
    FORGET_COMMIT_INDEX,
    /**
     * A leader never re-probes a follower whose window of requests went unanswered: once the
     * requests in its window, or their answers, are lost, that follower gets no more entries.
     */
    NO_REPROBE_OF_A_STALLED_WINDOW,
    /**
     * A follower installs a snapshot from the leader without checking that what arrived has the
     * checksum the leader read, so a chunk damaged on its way becomes the follower's state.
     */
    ACCEPT_DAMAGED_SNAPSHOT
  }

  private static volatile boolean any;
  private static volatile Set<Defect> enabled = EnumSet.noneOf(Defect.class);

  private InjectedDefects() {}

  /** Switches on exactly the given defects (none: all off). */
  public static void set(Set<Defect> defects) {
    enabled = defects.isEmpty() ? EnumSet.noneOf(Defect.class) : EnumSet.copyOf(defects);
    any = !defects.isEmpty();
  }

  /** Whether {@code defect} is switched on; for the node's own defects, outside the core. */
  public static boolean on(Defect defect) {
    return any && enabled.contains(defect);
  }
}
