package io.reactiveraft.sim;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.sim.SimCluster.SimNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The safety invariants of Raft, checked against the simulated cluster's disks, statuses and state
 * machines (TESTING.md, "Invariants"). Violations are added to the cluster's list.
 */
final class Invariants {

  private final SimCluster cluster;

  /** The longest committed prefix any node has reported; never shrinks. */
  private final List<LogEntry> committed = new ArrayList<>();

  /**
   * The latest configuration in the log of each leader at the step the last committed entry became
   * known: the committing leader used one of them, and a configuration counts from when it is
   * appended, so it may be one that is later overwritten (single-server changes keep its majorities
   * overlapping those of the configuration that replaces it).
   */
  private final List<io.reactiveraft.ClusterConfiguration> configurationsAtCommit =
      new ArrayList<>();

  private int leadersChecked;

  /**
   * For each leader in {@code cluster.newLeaders}: how many entries were known committed before it
   * won. Leader completeness concerns those only; an entry committed in a later term need not be in
   * the log of a leader that has since been deposed without hearing of it.
   */
  private final List<Integer> committedBeforeElection = new ArrayList<>();

  /**
   * For each entry of {@link #committed}: the highest term on any node's disk when it was first
   * seen committed, a bound on the term it was committed in (a leader stores its term before it
   * sends anything). Leader completeness asks a leader of term T only for entries committed in
   * earlier terms; one seen committed while every term was below T surely is. A leader may count
   * its votes late (a pause held them), after a higher term's leader committed more: those entries
   * are not its to hold.
   */
  private final List<Long> termBoundWhenCommitted = new ArrayList<>();

  Invariants(SimCluster cluster) {
    this.cluster = cluster;
  }

  private void violation(String what) {
    if (cluster.violations.size() < 20) {
      cluster.violations.add("t=" + cluster.nowNanos() / 1_000_000 + "ms " + what);
    }
  }

  /**
   * Every check, after every step: the step's, then log matching and state machine safety. Log
   * matching and the applied sequences are compared at each step too, not now and then, so that a
   * divergence the cluster repairs within a few steps still shows.
   */
  void check() {
    checkCommits();
    List<SimNode> all = List.copyOf(cluster.nodes.values());
    for (int a = 0; a < all.size(); a++) {
      for (int b = a + 1; b < all.size(); b++) {
        checkLogMatching(all.get(a), all.get(b));
      }
    }
    for (SimNode n : all) {
      if (n.running()) {
        checkApplied(n);
      }
    }
  }

  /**
   * Commit monotonic, committed prefix agreement, durability, and the completeness of leaders
   * elected since the last step.
   */
  private void checkCommits() {
    int committedBefore = committed.size();
    // Leaders elected since the last step won after everything known committed at its end.
    while (committedBeforeElection.size() < cluster.newLeaders.size()) {
      committedBeforeElection.add(committedBefore);
    }
    for (SimNode n : cluster.nodes.values()) {
      Optional<RaftStatus> s = cluster.status(n.id);
      if (s.isEmpty()) {
        continue;
      }
      long commit = s.get().commitIndex();
      if (commit < n.lastCommit) {
        violation(n.id + " commit index went back from " + n.lastCommit + " to " + commit);
      }
      n.lastCommit = commit;
      List<LogEntry> log = n.disk.currentLog();
      int compacted = 0;
      while (compacted < log.size() && log.get(compacted) == null) {
        compacted++;
      }
      if (compacted > commit) {
        // The checks below read compacted entries as committed: they must be.
        violation(n.id + " compacted its log up to " + compacted + " beyond its commit " + commit);
      }
      if (commit > log.size()) {
        violation(n.id + " commits " + commit + " beyond its log of " + log.size());
        continue;
      }
      for (int i = 0; i < commit; i++) {
        if (log.get(i) == null) {
          LogEntry gone = n.disk.compactedEntry(i + 1);
          if (i == committed.size() && gone != null) {
            committed.add(gone); // committed, applied and compacted since the last step
            termBoundWhenCommitted.add(highestStoredTerm());
          }
          continue; // compacted: this node's snapshot covers it
        }
        if (i < committed.size()) {
          if (!same(committed.get(i), log.get(i))) {
            violation(n.id + " committed " + log.get(i) + " where " + committed.get(i) + " was");
            break;
          }
        } else if (i == committed.size()) {
          committed.add(log.get(i));
          termBoundWhenCommitted.add(highestStoredTerm());
        } else {
          break; // a gap another node's log fills
        }
      }
    }
    if (committed.size() > committedBefore) {
      configurationsAtCommit.clear();
      for (SimNode n : cluster.nodes.values()) {
        Optional<RaftStatus> s = cluster.status(n.id);
        io.reactiveraft.ClusterConfiguration latest = latestConfiguration(n.disk.currentLog());
        if (s.isPresent() && s.get().role() == io.reactiveraft.Role.LEADER && latest != null) {
          configurationsAtCommit.add(latest);
        }
      }
    }
    checkDurableOnMajority();
    // Each new leader as soon as it is seen, before a fault aimed at new leaders (a crash, a
    // pause, an isolation) can take it out of its term and out of the check's reach.
    checkLeaderCompleteness();
  }

  private void checkDurableOnMajority() {
    if (committed.isEmpty()) {
      return;
    }
    LogEntry last = committed.get(committed.size() - 1);
    // A configuration counts from the moment it is appended (thesis 4.1): a leader may commit
    // with a majority of a configuration that is itself not yet committed (or committed where
    // this checker has not yet seen it). With single-server changes, a majority of either the
    // committed or a newer configuration is safe, as is a majority of the configuration the
    // committing leader used, even once that configuration is overwritten.
    io.reactiveraft.ClusterConfiguration committedConfig = committedConfiguration();
    if (durableMajority(last, committedConfig)) {
      return;
    }
    for (SimNode n : cluster.nodes.values()) {
      io.reactiveraft.ClusterConfiguration latest = latestConfiguration(n.disk.currentLog());
      if (latest != null && durableMajority(last, latest)) {
        return;
      }
    }
    for (io.reactiveraft.ClusterConfiguration used : configurationsAtCommit) {
      if (durableMajority(last, used)) {
        return;
      }
    }
    violation("committed " + last + " is not durable on a majority of " + committedConfig.voters());
  }

  private boolean durableMajority(LogEntry entry, io.reactiveraft.ClusterConfiguration c) {
    int holders = 0;
    for (io.reactiveraft.Member voter : c.voters()) {
      List<LogEntry> durable = cluster.nodes.get(voter.id()).disk.durableCountingLost();
      LogEntry held =
          durable.size() >= entry.index() ? durable.get((int) entry.index() - 1) : entry;
      if (durable.size() >= entry.index() && (held == null || same(held, entry))) {
        holders++;
      }
    }
    return holders >= c.quorum();
  }

  private void checkLogMatching(SimNode a, SimNode b) {
    List<LogEntry> la = a.disk.currentLog();
    List<LogEntry> lb = b.disk.currentLog();
    int highest = -1;
    for (int i = Math.min(la.size(), lb.size()) - 1; i >= 0; i--) {
      if (la.get(i) == null || lb.get(i) == null || la.get(i).term() == lb.get(i).term()) {
        highest = i; // a compacted entry is committed, so the logs agree up to it
        break;
      }
    }
    for (int i = 0; i <= highest; i++) {
      if (la.get(i) != null && lb.get(i) != null && !same(la.get(i), lb.get(i))) {
        violation(
            "log matching: "
                + a.id
                + " and "
                + b.id
                + " agree at "
                + (highest + 1)
                + " but differ at "
                + (i + 1));
        return;
      }
    }
  }

  private long highestStoredTerm() {
    long highest = 0;
    for (SimNode n : cluster.nodes.values()) {
      highest = Math.max(highest, n.disk.hardState().currentTerm());
    }
    return highest;
  }

  private void checkLeaderCompleteness() {
    List<LeaderChange> leaders = cluster.newLeaders;
    for (; leadersChecked < leaders.size(); leadersChecked++) {
      LeaderChange c = leaders.get(leadersChecked);
      SimNode n = cluster.nodes.get(c.leader());
      List<LogEntry> log = n.disk.currentLog();
      // What was committed before it won must be in its log; check what was known committed.
      int committedWhenElected = committedBeforeElection.get(leadersChecked);
      for (int i = 0; i < committedWhenElected; i++) {
        if (termBoundWhenCommitted.get(i) >= c.term()) {
          continue; // perhaps committed in its term or a later one
        }
        if (i >= log.size() || (log.get(i) != null && !same(log.get(i), committed.get(i)))) {
          Optional<RaftStatus> s = cluster.status(c.leader());
          if (s.isPresent() && s.get().term() == c.term()) {
            violation(
                "leader "
                    + c.leader()
                    + " of term "
                    + c.term()
                    + " lacks committed entry "
                    + (i + 1));
          }
          break;
        }
      }
    }
  }

  /**
   * Every state machine applies a prefix of the committed commands, each client command at most
   * once: a resent session command (same client and sequence) is skipped.
   */
  private void checkApplied(SimNode n) {
    if (n.machine.wentBack() != null) {
      // Within one run of a node its state only moves forward (invariant 6).
      violation(n.id + " " + n.machine.wentBack());
      return;
    }
    List<String> applied = n.machine.applied();
    List<String> expected = expectedApplies();
    // A node may know more committed than this checker can see: a leader commits entries its own
    // write has not yet made durable, applies them, snapshots them, and a crash then takes the
    // unforced entries from its log, so its snapshot alone holds them. Until another node shows
    // the entries, only the prefix the checker knows is compared.
    boolean checkerBehind = n.lastCommit > committed.size();
    if (applied.size() > expected.size() && !checkerBehind) {
      violation(
          n.id
              + " applied "
              + applied.size()
              + " commands, only "
              + expected.size()
              + " committed");
      return;
    }
    for (int i = 0; i < Math.min(applied.size(), expected.size()); i++) {
      if (!applied.get(i).equals(expected.get(i))) {
        violation(
            n.id
                + " applied "
                + applied.get(i)
                + " as command "
                + (i + 1)
                + ", log says "
                + expected.get(i));
        return;
      }
    }
  }

  private List<String> expectedApplies() {
    List<String> out = new ArrayList<>();
    java.util.Map<String, Long> lastSequence = new java.util.HashMap<>();
    for (LogEntry e : committed) {
      if (e.type() == EntryType.COMMAND) {
        out.add(new String(e.payload(), StandardCharsets.UTF_8));
      } else if (e.type() == EntryType.SESSION_COMMAND) {
        io.reactiveraft.node.SessionCommand c =
            io.reactiveraft.node.SessionCommand.decode(e.payload());
        long last = lastSequence.getOrDefault(c.clientId(), 0L);
        if (c.sequence() > last && (last > 0 || c.sequence() == 1)) {
          lastSequence.put(c.clientId(), c.sequence());
          out.add(new String(c.command(), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  private static io.reactiveraft.ClusterConfiguration latestConfiguration(List<LogEntry> log) {
    for (int i = log.size() - 1; i >= 0; i--) {
      if (log.get(i) == null) {
        return null; // older ones are compacted: the snapshot knows, this check does not
      }
      if (log.get(i).type() == EntryType.CONFIGURATION) {
        return io.reactiveraft.core.ConfigurationCodec.decode(log.get(i).payload());
      }
    }
    return null;
  }

  /** The latest configuration in the committed prefix; the initial one when there is none. */
  private io.reactiveraft.ClusterConfiguration committedConfiguration() {
    for (int i = committed.size() - 1; i >= 0; i--) {
      LogEntry e = committed.get(i);
      if (e.type() == EntryType.CONFIGURATION) {
        return io.reactiveraft.core.ConfigurationCodec.decode(e.payload());
      }
    }
    return new io.reactiveraft.ClusterConfiguration(cluster.members, List.of());
  }

  /** How many entries are known committed. */
  int committedCount() {
    return committed.size();
  }

  private static boolean same(LogEntry a, LogEntry b) {
    return a.equals(b);
  }
}
