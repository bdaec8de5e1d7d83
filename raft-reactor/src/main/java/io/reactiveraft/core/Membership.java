package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import java.util.List;

/**
 * The configuration a node uses: the latest configuration entry in its log, committed or not
 * (thesis 4.1), else the base one: the configuration of the snapshot the log continues, or the
 * initial one. When the entry that carried it is truncated away, the node falls back to the
 * previous configuration in its log.
 */
final class Membership {

  private ClusterConfiguration base;
  private long baseIndex;
  private ClusterConfiguration current;
  private long index;

  /**
   * @param base the configuration before the log's first entry
   * @param baseIndex where that configuration took effect: the snapshot's index, or 0
   */
  Membership(ClusterConfiguration base, long baseIndex, RaftLog log) {
    this.base = base;
    this.baseIndex = baseIndex;
    recompute(log);
  }

  /**
   * The log now continues a snapshot taken when {@code configuration} was in force. Returns whether
   * the configuration in use changed.
   */
  boolean rebase(ClusterConfiguration configuration, long snapshotIndex, RaftLog log) {
    ClusterConfiguration before = current;
    base = configuration;
    baseIndex = snapshotIndex;
    recompute(log);
    return !current.equals(before);
  }

  ClusterConfiguration current() {
    return current;
  }

  /**
   * The log index of the entry that carried the current configuration: for the base, the snapshot's
   * index, or 0 for the initial configuration.
   */
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
    current = base;
    index = baseIndex;
    long last = log.lastConfigurationIndex();
    if (last > 0) {
      current = ConfigurationCodec.decode(log.entry(last).payload());
      index = last;
    }
  }

  /** Ids of the other voters. */
  List<String> otherVoters(String self) {
    return current.voters().stream().map(m -> m.id()).filter(id -> !id.equals(self)).toList();
  }
}
