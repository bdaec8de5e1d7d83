package io.reactiveraft.sim;

import io.reactiveraft.NotLeaderException;
import io.reactiveraft.RaftException;
import io.reactiveraft.SessionExpiredException;
import io.reactiveraft.sim.Operation.Kind;
import io.reactiveraft.sim.Operation.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Concurrent clients doing reads, writes and compare-and-sets on a few registers, each recorded as
 * an {@link Operation} with its outcome: ok, fail (definitely not applied) or info (unknown). A
 * client has one operation in flight at a time; values are unique.
 */
final class Workload {

  private static final Duration TIMEOUT = Duration.ofMillis(1000);

  private final SimCluster cluster;
  private final SplittableRandom random;
  private final int keys;
  private final List<Operation> history = new ArrayList<>();
  private final Map<String, List<String>> written = new HashMap<>();
  private final String[] leaderHint;
  private final long[] sequences;
  private final String[] sessions;
  private int sessionCount;
  private static final int MAX_ATTEMPTS = 6;
  private int nextValue;
  private boolean running = true;
  private int pending;

  /** Keys still to read at the end, one after another; see {@link #readEveryKey}. */
  private final java.util.ArrayDeque<String> finalReads = new java.util.ArrayDeque<>();

  private boolean finalPhase;

  /** The last time stamped on an invocation or a completion; see {@link #stamp}. */
  private long lastStamp = Long.MIN_VALUE;

  /** Final reads that ended without a value: the last writes of those keys went unchecked. */
  private final List<String> unreadKeys = new ArrayList<>();

  Workload(SimCluster cluster, SplittableRandom random, int clients, int keys) {
    this.cluster = cluster;
    this.random = random;
    this.keys = keys;
    this.leaderHint = new String[clients];
    this.sequences = new long[clients];
    this.sessions = new String[clients];
    for (int c = 0; c < clients; c++) {
      sessions[c] = "client-" + c;
    }
    for (int c = 0; c < clients; c++) {
      int client = c;
      later(() -> next(client), random.nextInt(50));
    }
  }

  /** Stops issuing new operations; those in flight still complete. */
  void stop() {
    running = false;
  }

  boolean idle() {
    return pending == 0 && finalReads.isEmpty();
  }

  /** What is still pending, for a report. */
  String pendingDescription() {
    return pending
        + " in flight"
        + (finalPhase ? ", final reads, " + finalReads.size() + " keys still to read" : "");
  }

  /**
   * Once the drain is over: reads every key once more, one after another, so that a write lost at
   * the end of the run, which no later operation of the workload would have read, shows in the
   * history.
   */
  void readEveryKey() {
    finalPhase = true;
    for (int k = 0; k < keys; k++) {
      finalReads.add("k" + k);
    }
    readNextKey();
  }

  private void readNextKey() {
    String key = finalReads.poll();
    if (key == null) {
      return;
    }
    pending++;
    send(
        new Attempt(
            0, key, Kind.READ, null, null, RegisterMachine.read(key), sequences[0] + 1, stamp()));
  }

  List<Operation> history() {
    return history;
  }

  /** The keys whose final read got no value, with why; see {@link #readEveryKey}. */
  List<String> unreadKeys() {
    return unreadKeys;
  }

  /**
   * The virtual time, made strictly increasing: a client's next operation may start at the very
   * instant its last one completed, and the checker takes equal times as overlapping, which would
   * let a stale read right after the client's own write pass. The simulation runs on one thread, so
   * the order of the calls here is the real order; a nanosecond per event at one instant never
   * reaches the next millisecond step.
   */
  private long stamp() {
    lastStamp = Math.max(lastStamp + 1, cluster.nowNanos());
    return lastStamp;
  }

  private void later(Runnable r, long millis) {
    cluster.clock.schedule(r, millis, TimeUnit.MILLISECONDS);
  }

  private void next(int client) {
    if (!running) {
      return;
    }
    String key = "k" + random.nextInt(keys);
    int dice = random.nextInt(10);
    Kind kind = dice < 4 ? Kind.READ : dice < 8 ? Kind.WRITE : Kind.CAS;
    String value = kind == Kind.READ ? null : "v" + (++nextValue);
    String expected = kind == Kind.CAS ? pickExpected(key) : null;
    String command =
        switch (kind) {
          case READ -> RegisterMachine.read(key);
          case WRITE -> RegisterMachine.write(key, value);
          case CAS -> RegisterMachine.cas(key, expected, value);
        };
    if (value != null) {
      written.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    pending++;
    Attempt a =
        new Attempt(client, key, kind, value, expected, command, sequences[client] + 1, stamp());
    send(a);
  }

  /** One operation, sent until it has an answer or runs out of attempts (same sequence). */
  private final class Attempt {
    final int client;
    final String key;
    final Kind kind;
    final String value;
    final String expected;
    final String command;
    final long sequence;
    final long invokedAt;
    final String session;
    int attempts;
    boolean mayHaveApplied;

    /** Why the last attempt failed, for a report. */
    Throwable lastError;

    Attempt(
        int client,
        String key,
        Kind kind,
        String value,
        String expected,
        String command,
        long sequence,
        long invokedAt) {
      this.client = client;
      this.session = sessions[client];
      this.key = key;
      this.kind = kind;
      this.value = value;
      this.expected = expected;
      this.command = command;
      this.sequence = sequence;
      this.invokedAt = invokedAt;
    }
  }

  private void send(Attempt a) {
    a.attempts++;
    var node = cluster.nodes.get(target(a.client)).node;
    if (node == null) {
      retryOrGiveUp(a);
      return;
    }
    if (a.kind == Kind.READ && cluster.readMode != SimCluster.ReadMode.LOG) {
      // A read changes nothing: when it fails it simply did not happen, and may be resent.
      node.read(a.command, TIMEOUT)
          .subscribe(
              result -> finish(a, Outcome.OK, result),
              error -> {
                a.lastError = error;
                noteLeaderHint(a.client, error);
                retryOrGiveUp(a);
              });
      return;
    }
    node.submit(a.command, a.session, a.sequence, TIMEOUT)
        .subscribe(
            result -> finish(a, Outcome.OK, result),
            error -> {
              a.lastError = error;
              noteLeaderHint(a.client, error);
              if (error instanceof SessionExpiredException) {
                // The cluster forgot this session (its first command never applied): the
                // client opens a new one, as a real client would.
                sessions[a.client] = "client-" + a.client + "-" + ++sessionCount;
                sequences[a.client] = 0;
                if (finalPhase) {
                  // A read changes nothing, so the last read of a key goes on in the new session.
                  send(new Attempt(a.client, a.key, a.kind, null, null, a.command, 1, a.invokedAt));
                  return;
                }
                a.mayHaveApplied = true;
                finish(a, Outcome.INFO, null);
                return;
              }
              a.mayHaveApplied |= !(error instanceof RaftException re) || re.outcomeUnknown();
              retryOrGiveUp(a);
            });
  }

  /** Follows a refusal's hint to the leader; any other error sends the next try anywhere. */
  private void noteLeaderHint(int client, Throwable error) {
    leaderHint[client] = error instanceof NotLeaderException nl ? nl.leaderId().orElse(null) : null;
  }

  /** Resends with the same sequence: the cluster applies it at most once (thesis 6.3). */
  private void retryOrGiveUp(Attempt a) {
    // A final read goes on until it has a value (the run bounds it): the faults are over, but an
    // election may still be under way, and six quick tries can all fall inside it.
    if (finalPhase || (a.attempts < MAX_ATTEMPTS && running)) {
      later(() -> send(a), 5 + random.nextInt(30));
    } else {
      finish(a, a.mayHaveApplied ? Outcome.INFO : Outcome.FAIL, null);
    }
  }

  private String pickExpected(String key) {
    List<String> values = written.get(key);
    if (values == null || values.isEmpty() || random.nextInt(5) == 0) {
      return "";
    }
    // Mostly the latest value, so that some compare-and-sets succeed.
    return values.get(Math.max(0, values.size() - 1 - random.nextInt(Math.min(3, values.size()))));
  }

  private String target(int client) {
    if (finalPhase) {
      // The last reads go to the leader: a member still catching up (a learner on a slow disk)
      // answers reads only once it has applied what the leader had committed.
      Optional<String> leader = cluster.leader();
      if (leader.isPresent()) {
        return leader.get();
      }
    }
    String hint = leaderHint[client];
    if (hint != null && cluster.nodes.get(hint).running()) {
      return hint;
    }
    List<String> ids = List.copyOf(cluster.nodes.keySet());
    return ids.get(random.nextInt(ids.size()));
  }

  private void finish(Attempt a, Outcome outcome, String result) {
    pending--;
    boolean throughLog = a.kind != Kind.READ || cluster.readMode == SimCluster.ReadMode.LOG;
    if (throughLog && outcome != Outcome.FAIL && a.session.equals(sessions[a.client])) {
      // A sequence is used up once its command may have reached the log; a command that
      // definitely did not is replaced by the next one under the same number, so a session
      // never skips ahead of what the cluster knows (its first command opens it).
      sequences[a.client] = a.sequence;
    }
    long completedAt = outcome == Outcome.INFO ? Long.MAX_VALUE : stamp();
    String recordedValue = a.kind == Kind.READ ? result : a.value;
    boolean casOk = a.kind == Kind.CAS && "true".equals(result);
    history.add(
        new Operation(
            history.size(),
            a.client,
            a.key,
            a.kind,
            recordedValue,
            a.expected,
            a.invokedAt,
            completedAt,
            outcome,
            casOk));
    if (finalPhase) {
      if (outcome != Outcome.OK) {
        unreadKeys.add(
            a.key + " (" + outcome + " after " + a.attempts + " attempts: " + a.lastError + ")");
      }
      later(this::readNextKey, 1);
      return;
    }
    later(
        () -> next(a.client),
        outcome == Outcome.FAIL ? 1 + random.nextInt(10) : random.nextInt(20));
  }
}
