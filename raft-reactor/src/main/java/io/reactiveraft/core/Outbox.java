package io.reactiveraft.core;

import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.HardState;
import java.util.ArrayList;
import java.util.List;

/**
 * The actions of one batch: the core adds them as it decides them, and {@link #drain} hands them to
 * the driver in the order that keeps Raft's rules. Ordering lives here, in one place, so that the
 * protocol code never has to think about it.
 *
 * <p>The rules, in drain order:
 *
 * <ol>
 *   <li>Term and vote are stored before anything else: a message carrying a term, or granting a
 *       vote, must not leave before they are durable (thesis 3.8).
 *   <li>Log writes keep the order they were decided in. Appends are gathered into one {@link
 *       Action.AppendLog} until another write (a truncation, a compaction, a snapshot chunk) comes,
 *       so a batch of many proposals is one write.
 *   <li>Messages follow the writes they depend on: a follower's acknowledgement goes after the
 *       truncation that made room for its entries. A leader whose writes are only appends sends
 *       first and appends after: its own write runs in parallel with the followers' (thesis
 *       10.2.1), and counts only once the store reports it durable.
 *   <li>A message built for a term the node has since left is dropped: an acknowledgement of term t
 *       must not leave after a later term's truncation began.
 *   <li>Results to callers (proposals accepted or refused, reads, changes) come before applies, so
 *       a caller is registered before its entry can apply; leader changes come last, after the
 *       applies of the commits that preceded them.
 * </ol>
 *
 * <p>Not thread-safe: the core's loop owns it.
 */
final class Outbox {

  private final List<Action> writes = new ArrayList<>();
  private final List<LogEntry> appends = new ArrayList<>();

  /** The log epoch of {@link #appends}: a truncation, which starts a new one, seals them first. */
  private long appendsEpoch;

  private final List<Action> messages = new ArrayList<>();
  private final List<Action> results = new ArrayList<>();

  /**
   * An entry appended to the log in memory in {@code epoch}, to be written with the batch's other
   * appends.
   */
  void append(LogEntry entry, long epoch) {
    appends.add(entry);
    appendsEpoch = epoch;
  }

  /** A log or snapshot write other than an append, performed after the appends before it. */
  void write(Action write) {
    sealAppends();
    writes.add(write);
  }

  void send(RaftMessage message) {
    messages.add(new Action.Send(message));
  }

  void sendSnapshotChunk(Action.SendSnapshotChunk chunk) {
    messages.add(chunk);
  }

  /** An outcome for a caller, or a change of leader or configuration to report. */
  void report(Action result) {
    results.add(result);
  }

  /**
   * Ends the batch: every action added since the last drain, in the order to perform them.
   *
   * @param hardState term and vote to store first, or null when they did not change
   * @param leader whether the node leads at the end of the batch
   * @param term the node's term at the end of the batch
   * @param apply the committed entries to apply, or null
   */
  List<Action> drain(HardState hardState, boolean leader, long term, Action.ApplyEntries apply) {
    List<Action> out = new ArrayList<>();
    if (hardState != null) {
      out.add(new Action.PersistHardState(hardState));
    }
    sealAppends();
    if (!leader || !onlyAppends(writes)) {
      out.addAll(writes);
      writes.clear();
    }
    for (Action a : messages) {
      long messageTerm =
          a instanceof Action.Send send
              ? send.message().term()
              : ((Action.SendSnapshotChunk) a).term();
      if (messageTerm >= term) {
        out.add(a);
      }
    }
    messages.clear();
    out.addAll(writes);
    writes.clear();
    List<Action> leaderChanges = new ArrayList<>();
    for (Action a : results) {
      (a instanceof Action.LeaderChanged ? leaderChanges : out).add(a);
    }
    results.clear();
    if (apply != null) {
      out.add(apply);
    }
    out.addAll(leaderChanges);
    return out;
  }

  private void sealAppends() {
    if (!appends.isEmpty()) {
      writes.add(new Action.AppendLog(List.copyOf(appends), appendsEpoch));
      appends.clear();
    }
  }

  private static boolean onlyAppends(List<Action> writes) {
    for (Action a : writes) {
      if (!(a instanceof Action.AppendLog)) {
        return false;
      }
    }
    return true;
  }
}
