package io.reactiveraft.message;

import java.util.List;

/**
 * AppendEntries (paper section 5.3): replicates entries and, with none, serves as heartbeat.
 *
 * @param prevLogIndex index of the entry just before {@code entries}
 * @param prevLogTerm term of that entry
 * @param entries entries to store, in index order; empty for a heartbeat
 * @param leaderCommit the leader's commit index
 */
public record AppendEntriesRequest(
    String from,
    String to,
    long term,
    long prevLogIndex,
    long prevLogTerm,
    List<LogEntry> entries,
    long leaderCommit)
    implements RaftMessage {

  public AppendEntriesRequest {
    entries = List.copyOf(entries);
  }

  /** The index of the last entry this request covers: its last entry, or prevLogIndex. */
  public long lastIndex() {
    return prevLogIndex + entries.size();
  }
}
