package io.reactiveraft.bench;

import io.reactiveraft.bench.kv.KvCommand;
import io.reactiveraft.bench.kv.remote.KvClient;
import io.reactiveraft.bench.kv.remote.KvOperation;
import io.reactiveraft.bench.kv.remote.KvOutcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The KV client: runs one operation, or one per line of standard input, against a cluster of {@code
 * node} processes, following the leader, and prints {@code ok [VALUE]}, {@code fail REASON} or
 * {@code info REASON} per operation. The exit code of one operation is 0 for ok, 1 for fail, 3 for
 * info; with {@code --stdin} it is that of the worst line (info over fail over ok); 2 for a usage
 * error.
 */
@Command(
    name = "kv",
    mixinStandardHelpOptions = true,
    description = "Run put/get/delete/cas against a KV cluster of node processes.")
final class KvClientCommand implements Callable<Integer> {

  /** The longest time budget of one operation. */
  static final long MAX_TIMEOUT_MILLIS = 60_000;

  @Spec CommandSpec spec;

  @Option(
      names = "--cluster",
      required = true,
      description = "The nodes' addresses as host:port, comma separated.")
  String cluster;

  @Option(
      names = "--secret",
      defaultValue = "${env:RAFT_SECRET}",
      description = "The cluster's shared secret (default: $RAFT_SECRET).")
  String secret;

  @Option(
      names = "--timeout",
      description = "Milliseconds one operation may take, resends included (default 5000).")
  long timeoutMillis = 5000;

  @Option(names = "--stdin", description = "Read one operation per line from standard input.")
  boolean stdin;

  @Parameters(
      arity = "0..*",
      paramLabel = "OPERATION",
      description = "put KEY VALUE | get KEY | delete KEY | cas KEY EXPECTED NEW")
  List<String> operation = new ArrayList<>();

  /** Standard input; tests replace it. */
  InputStream input = System.in;

  @Override
  public Integer call() {
    if (secret == null || secret.isEmpty()) {
      throw usage("--secret is required (or set RAFT_SECRET)");
    }
    if (timeoutMillis <= 0 || timeoutMillis > MAX_TIMEOUT_MILLIS) {
      // A write whose outcome is unknown is resent in its session until the time is up; that
      // must stay far inside the cluster's session expiry (10 minutes without activity, by the
      // leaders' clocks).
      throw usage("--timeout must be in [1, " + MAX_TIMEOUT_MILLIS + "] ms, not " + timeoutMillis);
    }
    List<String> addresses = new ArrayList<>();
    for (String a : cluster.split(",")) {
      if (!a.isBlank()) {
        addresses.add(a.strip());
      }
    }
    KvCommand single = null;
    if (stdin) {
      if (!operation.isEmpty()) {
        throw usage("give either an operation or --stdin, not both");
      }
    } else {
      try {
        single = KvOperation.parse(operation);
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
    }
    KvClient client;
    try {
      client =
          new KvClient(
              addresses, secret.getBytes(StandardCharsets.UTF_8), Duration.ofMillis(timeoutMillis));
    } catch (IllegalArgumentException e) {
      throw usage("--cluster: " + e.getMessage());
    }
    try (client) {
      return single != null ? print(client.execute(single)).exitCode() : runLines(client);
    }
  }

  private int runLines(KvClient client) {
    KvOutcome.Kind worst = KvOutcome.Kind.OK;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        KvOutcome outcome;
        try {
          outcome = client.execute(KvOperation.parseLine(line));
        } catch (IllegalArgumentException e) {
          outcome = new KvOutcome(KvOutcome.Kind.FAIL, "bad operation: " + e.getMessage());
        }
        KvOutcome.Kind kind = print(outcome);
        if (kind == KvOutcome.Kind.INFO
            || (kind == KvOutcome.Kind.FAIL && worst == KvOutcome.Kind.OK)) {
          worst = kind;
        }
      }
    } catch (IOException e) {
      // The lines after it were never run; those before keep their verdicts, and an unknown
      // outcome among them still decides the exit code.
      spec.commandLine().getErr().println("cannot read standard input: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return worst == KvOutcome.Kind.INFO ? worst.exitCode() : KvOutcome.Kind.FAIL.exitCode();
    }
    return worst.exitCode();
  }

  private KvOutcome.Kind print(KvOutcome outcome) {
    spec.commandLine().getOut().println(outcome.line());
    spec.commandLine().getOut().flush();
    return outcome.kind();
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
