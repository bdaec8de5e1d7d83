package io.reactiveraft.bench;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.bench.kv.KvCommand;
import io.reactiveraft.bench.kv.KvResult;
import io.reactiveraft.bench.kv.KvStateMachine;
import io.reactiveraft.codec.JacksonCodec;
import io.reactiveraft.log.InMemoryLogStore;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.transport.local.LocalNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Starts a 3-node key-value cluster in this JVM, writes, kills the leader, writes again, and checks
 * that every acknowledged write survived on the remaining nodes.
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

  private final Map<String, RaftNode<KvCommand, KvResult>> nodes = new LinkedHashMap<>();
  private final Map<String, KvStateMachine> states = new LinkedHashMap<>();

  @Override
  public Integer call() {
    List<Member> members =
        IntStream.rangeClosed(1, 3).mapToObj(i -> new Member("n" + i, "local:n" + i)).toList();
    Scheduler network = Schedulers.newSingle("demo-network");
    LocalNetwork net = new LocalNetwork(network, seed);
    println("starting 3 nodes over the in-JVM transport: " + members);
    for (Member m : members) {
      KvStateMachine state = new KvStateMachine();
      states.put(m.id(), state);
      RaftConfig<KvCommand, KvResult> config =
          RaftConfig.<KvCommand, KvResult>builder()
              .members(members)
              .self(m.id())
              .transport(net.transport(m.id()))
              .logStore(new InMemoryLogStore())
              .stateMachine(state)
              .codec(JacksonCodec.of(KvCommand.class))
              .randomSeed(seed + m.id().hashCode())
              .build();
      nodes.put(m.id(), ReactiveRaft.start(config));
    }
    try {
      return run();
    } finally {
      Flux.fromIterable(nodes.values()).flatMap(RaftNode::close).blockLast(Duration.ofSeconds(10));
      network.dispose();
    }
  }

  private int run() {
    String leader = awaitLeader(List.copyOf(nodes.keySet()));
    println("elected leader " + leader);
    List<String> acknowledged = new ArrayList<>(write(leader, "before", writes));
    println("wrote " + acknowledged.size() + " keys through " + leader);

    println("killing leader " + leader);
    long killedAt = System.nanoTime();
    nodes.get(leader).close().block(Duration.ofSeconds(10));
    List<String> survivors = nodes.keySet().stream().filter(id -> !id.equals(leader)).toList();
    String newLeader = awaitLeader(survivors);
    long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
    println("new leader " + newLeader + " after " + failoverMs + " ms");

    acknowledged.addAll(write(newLeader, "after", writes));
    println("wrote " + writes + " more keys through " + newLeader);

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
        .flatMap(id -> nodes.get(id).leaderChanges())
        .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
        .map(LeaderChange::leader)
        .blockFirst(Duration.ofSeconds(30));
  }

  private List<String> write(String leader, String prefix, int count) {
    RaftNode<KvCommand, KvResult> node = nodes.get(leader);
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
      Thread.onSpinWait();
    } while (System.nanoTime() < deadline);
    return lost;
  }

  private void println(String line) {
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
  }
}
