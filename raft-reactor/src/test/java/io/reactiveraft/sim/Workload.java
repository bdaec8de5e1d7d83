package io.reactiveraft.sim;

import io.reactiveraft.NotLeaderException;
import io.reactiveraft.RaftException;
import io.reactiveraft.sim.Operation.Kind;
import io.reactiveraft.sim.Operation.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
  private int nextValue;
  private boolean running = true;
  private int pending;

  Workload(SimCluster cluster, SplittableRandom random, int clients, int keys) {
    this.cluster = cluster;
    this.random = random;
    this.keys = keys;
    this.leaderHint = new String[clients];
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
    return pending == 0;
  }

  List<Operation> history() {
    return history;
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
    String target = target(client);
    long invokedAt = cluster.nowNanos();
    pending++;
    var node = cluster.nodes.get(target).node;
    if (node == null) {
      finish(client, key, kind, value, expected, invokedAt, Outcome.FAIL, null);
      return;
    }
    node.submit(command, TIMEOUT)
        .subscribe(
            result -> finish(client, key, kind, value, expected, invokedAt, Outcome.OK, result),
            error -> {
              if (error instanceof NotLeaderException nl) {
                leaderHint[client] = nl.leaderId().orElse(null);
              } else {
                leaderHint[client] = null;
              }
              boolean unknown = !(error instanceof RaftException re) || re.outcomeUnknown();
              finish(
                  client,
                  key,
                  kind,
                  value,
                  expected,
                  invokedAt,
                  unknown ? Outcome.INFO : Outcome.FAIL,
                  null);
            });
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
    String hint = leaderHint[client];
    if (hint != null && cluster.nodes.get(hint).running()) {
      return hint;
    }
    List<String> ids = List.copyOf(cluster.nodes.keySet());
    return ids.get(random.nextInt(ids.size()));
  }

  private void finish(
      int client,
      String key,
      Kind kind,
      String value,
      String expected,
      long invokedAt,
      Outcome outcome,
      String result) {
    pending--;
    long completedAt = outcome == Outcome.INFO ? Long.MAX_VALUE : cluster.nowNanos();
    String recordedValue = kind == Kind.READ ? result : value;
    boolean casOk = kind == Kind.CAS && "true".equals(result);
    history.add(
        new Operation(
            history.size(),
            client,
            key,
            kind,
            recordedValue,
            expected,
            invokedAt,
            completedAt,
            outcome,
            casOk));
    later(
        () -> next(client), outcome == Outcome.FAIL ? 1 + random.nextInt(10) : random.nextInt(20));
  }
}
