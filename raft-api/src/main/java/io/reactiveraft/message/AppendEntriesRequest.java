package io.reactiveraft.message;

import java.util.List;

/**
 * AppendEntries (paper section 5.3): replicates entries and, with none, serves as heartbeat.
 *
 * @param prevLogIndex index of the entry just before {@code entries}
 * @param prevLogTerm term of that entry
 * @param entries entries to store, consecutive from {@code prevLogIndex + 1} (see {@link
 *     #wellFormed}); empty for a heartbeat
 * @param leaderCommit the leader's commit index
 * @param sequence increases with every request a leader sends in its term; echoed in the response,
 *     so the leader knows which of its requests a follower has answered (ReadIndex, leases)
 */
public record AppendEntriesRequest(
    String from,
    String to,
    long term,
    long prevLogIndex,
    long prevLogTerm,
    List<LogEntry> entries,
    long leaderCommit,
    long sequence)
    implements RaftMessage {

  public AppendEntriesRequest {
    entries = List.copyOf(entries);
  }

  /** A request without a sequence number. */
  public AppendEntriesRequest(
      String from,
      String to,
      long term,
      long prevLogIndex,
      long prevLogTerm,
      List<LogEntry> entries,
      long leaderCommit) {
    this(from, to, term, prevLogIndex, prevLogTerm, entries, leaderCommit, 0);
  }

  /**
   * Whether the entries could come from one leader's log: consecutive from {@code prevLogIndex +
   * 1}, their terms never falling, from {@code prevLogTerm} up to the request's term. Transports
   * refuse any other request as malformed, and the core ignores it: stored as if it were one, its
   * entries would make a follower acknowledge entries it does not hold.
   */
  public boolean wellFormed() {
    long expectedIndex = prevLogIndex + 1;
    long lowestTerm = prevLogTerm;
    for (LogEntry e : entries) {
      if (e.index() != expectedIndex || e.term() < lowestTerm || e.term() > term) {
        return false;
      }
      expectedIndex++;
      lowestTerm = e.term();
    }
    return true;
  }

  /** The index of the last entry this request covers: its last entry, or prevLogIndex. */
  public long lastIndex() {
    return prevLogIndex + entries.size();
  }
}
