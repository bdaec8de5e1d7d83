package io.reactiveraft.bench;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.RaftNode;
import io.reactiveraft.bench.cluster.LocalCluster;
import io.reactiveraft.bench.workload.BytesCodec;
import io.reactiveraft.bench.workload.LoadGenerator;
import io.reactiveraft.bench.workload.PutCommands;
import io.reactiveraft.bench.workload.PutStateMachine;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;

/**
 * The cluster benchmark of shared/peerbench/WORKLOAD.md: three nodes in this JVM, a closed loop of
 * PUT commands against the leader, one RESULT line at the end.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Run the peerbench workload against a 3-node cluster in this JVM.")
final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--payload", description = "Value bytes per command (default 100).")
  int payload = 100;

  @Option(names = "--outstanding", description = "Requests kept in flight (default 64).")
  int outstanding = 64;

  @Option(names = "--fsync", description = "on: force the log before counting; off: no force.")
  String fsync = "on";

  @Option(names = "--warmup", description = "Warmup seconds (default 5).")
  double warmup = 5;

  @Option(names = "--duration", description = "Measured seconds (default 20).")
  double duration = 20;

  @Option(names = "--keys", description = "Distinct keys (default 100000).")
  int keys = 100_000;

  @Option(names = "--seed", description = "Seed of keys and values (default 42).")
  long seed = 42;

  @Option(names = "--request-timeout-ms", description = "Per-request timeout (default 10000).")
  long requestTimeoutMs = 10_000;

  @Option(
      names = "--reads",
      description = "Percent of operations that are linearizable reads (default 0).")
  int readPercent = 0;

  @Option(names = "--transport", description = "rsocket (default) or local (in-JVM).")
  LocalCluster.TransportKind transport = LocalCluster.TransportKind.rsocket;

  /** The library's default unless asked: the workload compares libraries as configured. */
  @Option(
      names = "--event-loops",
      description =
          "shared (default, the library's default): each node's event loop on its RSocket"
              + " transport's one IO thread; separate: a thread of its own, and two for the"
              + " transport (ioThreads 2).")
  LocalCluster.EventLoops eventLoops = LocalCluster.EventLoops.shared;

  private final AtomicReference<String> leader = new AtomicReference<>();

  private picocli.CommandLine.ParameterException usage(String message) {
    return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
  }

  /** Picks reads on the generator thread, from the workload's seed. */
  private java.util.SplittableRandom readDice;

  @Override
  public Integer call() throws Exception {
    boolean durable =
        switch (fsync) {
          case "on" -> true;
          case "off" -> false;
          default -> throw usage("--fsync must be on or off, not " + fsync);
        };
    if (readPercent < 0 || readPercent > 100) {
      throw usage("--reads must be in [0, 100], not " + readPercent);
    }
    // Checked before anything starts: none in flight, say, would wait forever for a permit.
    if (outstanding < 1) {
      throw usage("--outstanding must be at least 1, not " + outstanding);
    }
    if (payload < 0 || keys < 1 || requestTimeoutMs < 1) {
      throw usage("--payload must be >= 0, --keys and --request-timeout-ms >= 1");
    }
    if (!(warmup >= 0) || !(duration > 0)) {
      throw usage("--warmup must be >= 0 and --duration > 0 seconds");
    }
    readDice = new java.util.SplittableRandom(seed + 1);
    LocalCluster.StoreKind store =
        durable ? LocalCluster.StoreKind.MAPPED : LocalCluster.StoreKind.MAPPED_UNFORCED;
    info(
        "system=reactive-raft knobs: transport="
            + transport
            + (transport == LocalCluster.TransportKind.rsocket ? " eventLoops=" + eventLoops : "")
            + (transport == LocalCluster.TransportKind.rsocket
                    && eventLoops == LocalCluster.EventLoops.separate
                ? " (ioThreads 2: not the library default)"
                : "")
            + " store=mapped fsync="
            + (durable
                ? "on (force before an entry counts)"
                : "off (the benchmark's UnforcedLogStore: a flush completes once written, never"
                    + " forced)")
            + " reads="
            + readPercent
            + "% maxPendingCommands="
            + Math.max(10_000, 2 * outstanding)
            + " defaultCommandTimeout="
            + requestTimeoutMs
            + "ms"
            + (transport == LocalCluster.TransportKind.local
                ? " (in-JVM transport: messages handed between nodes in memory)"
                : ""));
    info(
        "jvm="
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.version")
            + " cpus="
            + Runtime.getRuntime().availableProcessors()
            + " maxHeapMiB="
            + Runtime.getRuntime().maxMemory() / (1 << 20));
    long startedAt = System.nanoTime();
    try (LocalCluster<byte[], Integer> cluster =
        new LocalCluster<>(
            3,
            transport,
            eventLoops,
            store,
            false,
            PutStateMachine::new,
            new BytesCodec(),
            b ->
                b.maxPendingCommands(Math.max(10_000, 2 * outstanding))
                    .defaultCommandTimeout(Duration.ofMillis(requestTimeoutMs)))) {
      return run(cluster, durable, startedAt);
    }
  }

  private int run(LocalCluster<byte[], Integer> cluster, boolean durable, long startedAt)
      throws InterruptedException {
    List<RaftNode<byte[], Integer>> nodes = cluster.ids().stream().map(cluster::node).toList();
    Flux.fromIterable(nodes)
        .flatMap(RaftNode::leaderChanges)
        .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
        .subscribe(c -> leader.set(c.leader()));
    LeaderChange first =
        Flux.fromIterable(nodes)
            .flatMap(RaftNode::leaderChanges)
            .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
            .blockFirst(Duration.ofSeconds(30));
    if (first == null) {
      info("FAILED: no leader within 30 s");
      return 1;
    }
    // The subscription above may not have run yet: the load must not start without a leader.
    leader.compareAndSet(null, first.leader());
    info(
        String.format(
            Locale.ROOT,
            "cluster started, leader=%s after %.0f ms",
            leader.get(),
            (System.nanoTime() - startedAt) / 1e6));
    String leaderAtStart = leader.get();
    Duration window = Duration.ofNanos((long) (duration * 1e9));
    LoadGenerator generator =
        new LoadGenerator(
            new PutCommands(seed, keys, payload),
            outstanding,
            Duration.ofNanos((long) (warmup * 1e9)),
            window,
            Duration.ofMillis(requestTimeoutMs));
    // Forces during the measured window only: warmup forces must not pass a run whose window
    // forced nothing.
    AtomicLong windowStartForces = new AtomicLong(cluster.logForces());
    AtomicLong windowEndForces = new AtomicLong(-1);
    LoadGenerator.Outcome outcome =
        generator.run(
            command -> {
              RaftNode<byte[], Integer> node = cluster.node(leader.get());
              return readPercent > 0 && readDice.nextInt(100) < readPercent
                  ? node.read(command)
                  : node.submit(command);
            },
            error -> {
              if (error instanceof NotLeaderException nl && nl.leaderId().isPresent()) {
                leader.set(nl.leaderId().get());
              }
            },
            () -> windowStartForces.set(cluster.logForces()),
            () -> windowEndForces.set(cluster.logForces()));
    info(
        String.format(
            Locale.ROOT,
            "submitted=%d measured_ops=%d errors_in_window=%d errors_total=%d drained=%s"
                + " leader_start=%s leader_end=%s mean_us=%.1f max_us=%d first_error=%s",
            outcome.submitted(),
            outcome.ops(),
            outcome.errors(),
            outcome.totalErrors(),
            outcome.drained(),
            leaderAtStart,
            leader.get(),
            outcome.latenciesMicros().getMean(),
            outcome.latenciesMicros().getMaxValue(),
            outcome.firstError()));
    long forces = windowEndForces.get() - windowStartForces.get();
    info("forces=" + forces);
    info("(log segment forces on all nodes, during the measured window)");
    if (durable && forces == 0) {
      info("FAILED: fsync=on but the log was never forced");
      return 1;
    }
    spec.commandLine()
        .getOut()
        .println(
            LoadGenerator.resultLine(
                "reactive-raft", payload, outstanding, durable, outcome, window));
    return 0;
  }

  private void info(String line) {
    spec.commandLine().getOut().println("# " + line);
    spec.commandLine().getOut().flush();
  }
}
