package io.reactiveraft.sim;

import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/** How often each fault and each interesting path fired, over one run or many. */
final class FaultCounters {

  /** What is counted. Every one must fire in a default run, or the run has no teeth there. */
  enum Kind {
    ISOLATE_LEADER,
    SPLIT,
    RING,
    DROP,
    DUPLICATE,
    DELAY_REORDER,
    CRASH_RESTART,
    LEADER_CHURN,
    MEMBERSHIP_CHANGE,
    TRANSFER,
    RESTART_LOST_WRITES,
    PAUSE,
    CLOCK_SKEW,
    PARTITION_HEALED,
    ELECTION,
    TRUNCATION,
    STALE_MESSAGE,
    SNAPSHOT_TAKEN,
    SNAPSHOT_SENT,
    SNAPSHOT_DAMAGED,
    SNAPSHOT_RESTORED,
    FSYNC_FAILED,
    OTHER_MESSAGE_KIND,
    CLOCK_DRIFT,
    CLOCK_JUMP,
    CUT_AT_DAMAGE,
    REMOVED_LINGERS
  }

  private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);

  void add(Kind kind) {
    add(kind, 1);
  }

  void add(Kind kind, long n) {
    counts.merge(kind, n, Long::sum);
  }

  long get(Kind kind) {
    return counts.getOrDefault(kind, 0L);
  }

  void addAll(FaultCounters other) {
    other.counts.forEach(this::add);
  }

  @Override
  public String toString() {
    return java.util.Arrays.stream(Kind.values())
        .map(k -> k.name().toLowerCase() + "=" + get(k))
        .collect(Collectors.joining(" "));
  }
}
