package io.reactiveraft.message;

import java.util.List;

/**
 * AppendEntries (paper section 5.3): replicates entries and, with none, serves as heartbeat.
 *
 * @param prevLogIndex index of the entry just before {@code entries}
 * @param prevLogTerm term of that entry
 * @param entries entries to store: consecutive from {@code prevLogIndex + 1}, their terms never
 *     falling, from {@code prevLogTerm} up to {@code term}; empty for a heartbeat
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

  /**
   * @throws IllegalArgumentException when the entries could not come from one leader's log: a gap
   *     or a repeat among their indexes, or a term that falls, precedes {@code prevLogTerm} or
   *     exceeds the request's. A follower would store them as if they did, and then acknowledge
   *     entries it does not hold.
   */
  public AppendEntriesRequest {
    entries = List.copyOf(entries);
    long expectedIndex = prevLogIndex + 1;
    long lowestTerm = prevLogTerm;
    for (LogEntry e : entries) {
      if (e.index() != expectedIndex || e.term() < lowestTerm || e.term() > term) {
        throw new IllegalArgumentException(
            "entry "
                + e.index()
                + "@"
                + e.term()
                + " cannot follow "
                + (expectedIndex - 1)
                + "@"
                + lowestTerm
                + " in a request of term "
                + term);
      }
      expectedIndex++;
      lowestTerm = e.term();
    }
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

  /** The index of the last entry this request covers: its last entry, or prevLogIndex. */
  public long lastIndex() {
    return prevLogIndex + entries.size();
  }
}
