package io.reactiveraft.bench.cluster;

import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.StateMachine;
import io.reactiveraft.log.InMemoryLogStore;
import io.reactiveraft.log.MappedLogOptions;
import io.reactiveraft.log.MappedLogStore;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.snapshot.FileSnapshotStore;
import io.reactiveraft.spi.Codec;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.Transport;
import io.reactiveraft.transport.local.LocalNetwork;
import io.reactiveraft.transport.rsocket.LoopbackPorts;
import io.reactiveraft.transport.rsocket.RSocketTransport;
import io.reactiveraft.transport.rsocket.RSocketTransportBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * A cluster of nodes in this JVM, the way the demo and the benchmark run it: over RSocket on
 * 127.0.0.1 (free ports) or the in-JVM transport, each node with its own log directory under a
 * temporary directory, deleted on close.
 *
 * @param <C> command type
 * @param <R> result type
 */
public final class LocalCluster<C, R> implements AutoCloseable {

  /** How nodes reach each other. */
  public enum TransportKind {
    rsocket,
    local
  }

  /** Which threads run a node's event loop over RSocket. */
  public enum EventLoops {
    /**
     * The library's default: the transport's one IO thread carries the node's loop too ({@code
     * Transport.eventLoop}).
     */
    shared,
    /**
     * The node's own loop thread, and two Netty threads of the transport's ({@code ioThreads(2)}).
     */
    separate
  }

  /** Where nodes keep their logs. */
  public enum StoreKind {
    /** The memory-mapped log, forced before entries count (fsync on). */
    MAPPED,
    /** The mapped log, acknowledged once written, never waiting for a force (fsync off). */
    MAPPED_UNFORCED,
    /** In memory only. */
    MEMORY
  }

  private static final String SECRET = "local cluster secret, not for production";

  private final List<Member> members;
  private final Map<String, RaftNode<C, R>> nodes = new LinkedHashMap<>();
  private final Map<String, Transport> transports = new LinkedHashMap<>();
  private final Path directory;
  private final AtomicLong logForces = new AtomicLong();
  private final TransportKind transportKind;
  private final StoreKind storeKind;
  private final LocalNetwork network;

  /**
   * Starts {@code size} nodes; {@code stateMachines} makes one per node, {@code tune} adjusts each
   * node's configuration. With {@code snapshots}, each node also keeps snapshots in a directory of
   * its own (the state machines must take them).
   */
  public LocalCluster(
      int size,
      TransportKind transportKind,
      EventLoops eventLoops,
      StoreKind storeKind,
      boolean snapshots,
      Supplier<StateMachine<C, R>> stateMachines,
      Codec<C> codec,
      UnaryOperator<RaftConfig.Builder<C, R>> tune) {
    this.transportKind = transportKind;
    this.storeKind = storeKind;
    this.network =
        transportKind == TransportKind.local ? new LocalNetwork(Schedulers.immediate(), 1) : null;
    try {
      this.directory = Files.createTempDirectory("reactive-raft-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.members =
        IntStream.rangeClosed(1, size)
            .mapToObj(
                i ->
                    new Member(
                        "n" + i,
                        transportKind == TransportKind.rsocket
                            ? LoopbackPorts.nextAddress()
                            : "local:n" + i))
            .toList();
    try {
      startNodes(eventLoops, snapshots, stateMachines, codec, tune);
    } catch (RuntimeException | Error e) {
      // What started must not outlive the failure: nodes, transports and the directory.
      try {
        close();
      } catch (RuntimeException | Error closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  private void startNodes(
      EventLoops eventLoops,
      boolean snapshots,
      Supplier<StateMachine<C, R>> stateMachines,
      Codec<C> codec,
      UnaryOperator<RaftConfig.Builder<C, R>> tune) {
    for (Member m : members) {
      Transport transport = transport(m, eventLoops);
      transports.put(m.id(), transport);
      LogStore store = store(m);
      try {
        RaftConfig.Builder<C, R> builder =
            RaftConfig.<C, R>builder()
                .members(members)
                .self(m.id())
                .transport(transport)
                .logStore(store)
                .snapshotStore(
                    snapshots
                        ? FileSnapshotStore.open(directory.resolve(m.id() + "-snapshots"))
                        : null)
                .stateMachine(stateMachines.get())
                .codec(codec)
                .bootstrap(true);
        nodes.put(m.id(), ReactiveRaft.start(tune.apply(builder).build()));
      } catch (RuntimeException | Error e) {
        // No node took the store: its IO thread and its directory lock are still ours.
        try {
          store.close();
        } catch (RuntimeException closing) {
          e.addSuppressed(closing);
        }
        throw e;
      }
    }
  }

  private Transport transport(Member m, EventLoops eventLoops) {
    if (transportKind == TransportKind.local) {
      return network.transport(m.id());
    }
    RSocketTransportBuilder builder =
        RSocketTransport.builder().clusterId("local").sharedSecret(SECRET);
    if (eventLoops == EventLoops.separate) {
      builder.ioThreads(2); // more than one: the transport lends none, the node has its own
    }
    return builder.build();
  }

  private LogStore store(Member m) {
    if (storeKind == StoreKind.MEMORY) {
      return new InMemoryLogStore();
    }
    MappedLogOptions options =
        MappedLogOptions.builder()
            .forceHook(
                file -> {
                  if (file.endsWith(".log")) {
                    logForces.incrementAndGet();
                  }
                })
            .build();
    MappedLogStore store = MappedLogStore.open(directory.resolve(m.id()), options);
    return storeKind == StoreKind.MAPPED ? store : new UnforcedLogStore(store);
  }

  public List<Member> members() {
    return members;
  }

  public RaftNode<C, R> node(String id) {
    return nodes.get(id);
  }

  public List<String> ids() {
    return List.copyOf(nodes.keySet());
  }

  /** Forces of log segment files so far, on every node. */
  public long logForces() {
    return logForces.get();
  }

  public String describe() {
    return "transport=" + transportKind + " store=" + storeKind;
  }

  /** Stops one node (its transport and store close with it). */
  public void stop(String id) {
    RaftNode<C, R> node = nodes.remove(id);
    transports.remove(id);
    if (node != null) {
      node.close().block(Duration.ofSeconds(20));
    }
  }

  @Override
  public void close() {
    try {
      Flux.fromIterable(new ArrayList<>(nodes.values()))
          .flatMap(RaftNode::close)
          .blockLast(Duration.ofSeconds(20));
      // A transport whose node never started (its start failed) has no node to close it.
      Flux.fromIterable(new ArrayList<>(transports.entrySet()))
          .filter(e -> !nodes.containsKey(e.getKey()))
          .flatMap(e -> e.getValue().close())
          .blockLast(Duration.ofSeconds(20));
    } finally {
      nodes.clear();
      try (Stream<Path> files = Files.walk(directory)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort: it is a temporary directory
      }
    }
  }
}
