package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import java.util.List;

/**
 * The configuration a node uses: the latest configuration entry in its log, committed or not
 * (thesis 4.1), else the initial one. When the entry that carried it is truncated away, the node
 * falls back to the previous configuration in its log.
 */
final class Membership {

  private final ClusterConfiguration initial;
  private ClusterConfiguration current;
  private long index;

  Membership(ClusterConfiguration initial, RaftLog log) {
    this.initial = initial;
    recompute(log);
  }

  ClusterConfiguration current() {
    return current;
  }

  /** The log index of the entry that carried the current configuration; 0 for the initial. */
  long index() {
    return index;
  }

  /** An entry was appended: a configuration entry takes effect at once. */
  boolean onAppend(LogEntry entry) {
    if (entry.type() != EntryType.CONFIGURATION) {
      return false;
    }
    current = ConfigurationCodec.decode(entry.payload());
    index = entry.index();
    return true;
  }

  /** Entries from {@code fromIndex} were removed: reverts if the current one was among them. */
  boolean onTruncate(long fromIndex, RaftLog log) {
    if (index < fromIndex) {
      return false;
    }
    recompute(log);
    return true;
  }

  private void recompute(RaftLog log) {
    current = initial;
    index = 0;
    for (long i = log.lastIndex(); i >= log.firstIndex(); i--) {
      LogEntry e = log.entry(i);
      if (e.type() == EntryType.CONFIGURATION) {
        current = ConfigurationCodec.decode(e.payload());
        index = i;
        return;
      }
    }
  }

  /** Ids of the other voters. */
  List<String> otherVoters(String self) {
    return current.voters().stream().map(m -> m.id()).filter(id -> !id.equals(self)).toList();
  }

  /** Ids of every other member, voters and learners. */
  List<String> otherMembers(String self) {
    return current.members().stream().map(m -> m.id()).filter(id -> !id.equals(self)).toList();
  }
}
