package io.reactiveraft.bench;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.RaftNode;
import io.reactiveraft.bench.cluster.LocalCluster;
import io.reactiveraft.bench.kv.KvCommand;
import io.reactiveraft.bench.kv.KvResult;
import io.reactiveraft.bench.kv.KvStateMachine;
import io.reactiveraft.codec.JacksonCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;

/**
 * Starts a 3-node key-value cluster in this JVM, writes, kills the leader, writes again, reads back
 * linearizably on the new leader and a follower, and checks that every acknowledged write survived
 * on the remaining nodes. Its last line is {@code DEMO OK ...} or {@code DEMO FAILED ...}.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run a 3-node KV cluster in one JVM through a leader failover.")
final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--writes", description = "Writes before and after the failover (default 200).")
  int writes = 200;

  @Option(names = "--seed", description = "Seed of election timeouts (default 1).")
  long seed = 1;

  private final Map<String, KvStateMachine> states = new LinkedHashMap<>();
  private final List<KvStateMachine> created = new ArrayList<>();
  private LocalCluster<KvCommand, KvResult> cluster;

  @Override
  public Integer call() {
    if (writes < 1) {
      throw new ParameterException(spec.commandLine(), "--writes must be at least 1");
    }
    println(
        "starting 3 nodes over RSocket on 127.0.0.1, each with a memory-mapped log and snapshots");
    try (LocalCluster<KvCommand, KvResult> c =
        new LocalCluster<>(
            3,
            LocalCluster.TransportKind.rsocket,
            LocalCluster.EventLoops.shared,
            LocalCluster.StoreKind.MAPPED,
            true,
            () -> {
              KvStateMachine sm = new KvStateMachine();
              created.add(sm);
              return sm;
            },
            JacksonCodec.of(KvCommand.class),
            b -> b.randomSeed(seed + created.size()))) {
      cluster = c;
      for (int i = 0; i < c.ids().size(); i++) {
        states.put(c.ids().get(i), created.get(i));
      }
      println("members: " + c.members());
      return run();
    } catch (RuntimeException e) {
      // A script reads the last line: a failure ends with one too, not with a stack trace.
      println("DEMO FAILED reason=" + e);
      return 1;
    }
  }

  private int run() {
    String leader = awaitLeader(cluster.ids());
    println("elected leader " + leader);
    List<String> acknowledged = new ArrayList<>(write(leader, "before", writes));
    println("wrote " + acknowledged.size() + " keys through " + leader);
    long snapshot = cluster.node(leader).snapshot().block(Duration.ofSeconds(30));
    println("snapshot of " + leader + " at index " + snapshot);

    println("killing leader " + leader);
    long killedAt = System.nanoTime();
    cluster.stop(leader);
    List<String> survivors = cluster.ids();
    String newLeader = awaitLeader(survivors);
    long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
    println("new leader " + newLeader + " after " + failoverMs + " ms");

    acknowledged.addAll(write(newLeader, "after", writes));
    println("wrote " + writes + " more keys through " + newLeader);
    String follower =
        survivors.stream().filter(id -> !id.equals(newLeader)).findFirst().orElseThrow();
    for (String key : List.of("before-0", "after-" + (writes - 1))) {
      // Linearizable reads, without a log entry: on the leader, and through a follower, which
      // asks the leader for a read index and answers once it has applied that far.
      println(
          "read "
              + key
              + " = "
              + read(newLeader, key)
              + " on "
              + newLeader
              + ", = "
              + read(follower, key)
              + " on "
              + follower);
    }

    long lost = countLost(acknowledged, survivors);
    println(
        "DEMO "
            + (lost == 0 ? "OK" : "FAILED")
            + " leader="
            + newLeader
            + " failover_ms="
            + failoverMs
            + " writes="
            + acknowledged.size()
            + " lost="
            + lost);
    return lost == 0 ? 0 : 1;
  }

  private String awaitLeader(List<String> candidates) {
    return Flux.fromIterable(candidates)
        .flatMap(id -> cluster.node(id).leaderChanges())
        .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
        .map(LeaderChange::leader)
        .blockFirst(Duration.ofSeconds(30));
  }

  private List<String> write(String leader, String prefix, int count) {
    RaftNode<KvCommand, KvResult> node = cluster.node(leader);
    return Flux.range(0, count)
        .flatMap(
            i -> {
              String key = prefix + "-" + i;
              return node.submit(KvCommand.put(key, "v" + i)).map(r -> key);
            },
            32)
        .collectList()
        .block(Duration.ofSeconds(60));
  }

  private String read(String id, String key) {
    return cluster
        .node(id)
        .read(KvCommand.get(key))
        .map(r -> r.value() == null ? "(absent)" : r.value())
        .block(Duration.ofSeconds(30));
  }

  /** Counts acknowledged writes missing on a survivor once it has caught up, or by a deadline. */
  private long countLost(List<String> keys, List<String> survivors) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    long lost;
    do {
      lost =
          keys.stream()
              .filter(
                  k ->
                      survivors.stream()
                          .map(states::get)
                          .map(s -> s.read(k))
                          .anyMatch(Optional::isEmpty))
              .count();
      if (lost == 0) {
        return 0;
      }
      // The survivors are still catching up: give them the CPU rather than spin.
      LockSupport.parkNanos(10_000_000);
    } while (System.nanoTime() < deadline);
    return lost;
  }

  private void println(String line) {
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
  }
}
