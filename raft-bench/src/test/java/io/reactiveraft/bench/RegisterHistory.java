package io.reactiveraft.bench;

import io.reactiveraft.bench.kv.KvCommand;
import io.reactiveraft.bench.kv.remote.KvOutcome;
import io.reactiveraft.sim.LinearizabilityChecker;
import io.reactiveraft.sim.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Clients reading and writing a few keys at once, each operation recorded with when it was invoked
 * and when its verdict came, for the simulation's linearizability checker (a key is a register; an
 * info verdict may have taken effect at any time after its invocation, or never).
 */
final class RegisterHistory {

  private final int keys;
  private final List<Operation> operations = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger ids = new AtomicInteger();

  RegisterHistory(int keys) {
    this.keys = keys;
  }

  /**
   * Each client, on a thread of its own, reads or writes random keys for {@code period}. A client
   * that throws fails the run once all have ended: its operation in flight would otherwise be
   * missing from the history.
   */
  void runConcurrently(List<Function<KvCommand, KvOutcome>> clients, Duration period, long seed)
      throws InterruptedException {
    long end = System.nanoTime() + period.toNanos();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());
    for (int c = 0; c < clients.size(); c++) {
      int client = c;
      SplittableRandom random = new SplittableRandom(seed + c);
      Thread t =
          new Thread(
              () -> {
                for (int n = 0; System.nanoTime() < end; n++) {
                  String key = "reg-" + random.nextInt(keys);
                  if (random.nextBoolean()) {
                    write(clients.get(client), client, key, "c" + client + "-" + n);
                  } else {
                    read(clients.get(client), client, key);
                  }
                }
              },
              "register-client-" + c);
      t.setUncaughtExceptionHandler((thread, e) -> thrown.add(e));
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!thrown.isEmpty()) {
      AssertionError failed = new AssertionError("a register client failed", thrown.get(0));
      thrown.stream().skip(1).forEach(failed::addSuppressed);
      throw failed;
    }
  }

  /** Reads every key once through {@code client}: the values the history must end with. */
  void readAll(Function<KvCommand, KvOutcome> client) {
    for (int k = 0; k < keys; k++) {
      read(client, 99, "reg-" + k);
    }
  }

  LinearizabilityChecker.Result check() {
    return LinearizabilityChecker.check(List.copyOf(operations));
  }

  int size() {
    return operations.size();
  }

  long count(Operation.Outcome outcome) {
    synchronized (operations) {
      return operations.stream().filter(op -> op.outcome() == outcome).count();
    }
  }

  private void write(Function<KvCommand, KvOutcome> client, int id, String key, String value) {
    long invokedAt = System.nanoTime();
    KvOutcome outcome = client.apply(KvCommand.put(key, value));
    record(id, key, Operation.Kind.WRITE, value, invokedAt, outcome);
  }

  private void read(Function<KvCommand, KvOutcome> client, int id, String key) {
    long invokedAt = System.nanoTime();
    KvOutcome outcome = client.apply(KvCommand.get(key));
    String value = outcome.text() == null ? LinearizabilityChecker.ABSENT : outcome.text();
    record(id, key, Operation.Kind.READ, value, invokedAt, outcome);
  }

  private void record(
      int client,
      String key,
      Operation.Kind kind,
      String value,
      long invokedAt,
      KvOutcome verdict) {
    Operation.Outcome outcome =
        switch (verdict.kind()) {
          case OK -> Operation.Outcome.OK;
          case FAIL -> Operation.Outcome.FAIL;
          case INFO -> Operation.Outcome.INFO;
        };
    long completedAt = outcome == Operation.Outcome.INFO ? Long.MAX_VALUE : System.nanoTime();
    operations.add(
        new Operation(
            ids.getAndIncrement(),
            client,
            key,
            kind,
            value,
            null,
            invokedAt,
            completedAt,
            outcome,
            false));
  }
}
