package io.reactiveraft.transport.local;

import io.reactiveraft.Member;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * An in-JVM network of {@link Transport}s with fault injection: partitions, and per link and per
 * message kind drop, duplication, delay and reordering. Messages are handed over as the immutable
 * objects they are, on the network's scheduler; with a {@code VirtualTimeScheduler} and a fixed
 * seed, every run is the same.
 *
 * <p>Thread-safe. Faults apply to messages sent after they are set.
 */
public final class LocalNetwork {

  private final Scheduler scheduler;
  private final SplittableRandom random;
  private final Map<String, FluxSink<RaftMessage>> inboxes = new ConcurrentHashMap<>();
  private final Map<String, Integer> partitionOf = new HashMap<>();
  private final Set<List<String>> cutLinks = new HashSet<>();
  private final List<LinkRule> rules = new CopyOnWriteArrayList<>();
  private final List<Consumer<RaftMessage>> observers = new CopyOnWriteArrayList<>();

  /**
   * @param scheduler where deliveries run; {@code Schedulers.immediate()} delivers on the sender's
   *     thread (fastest, for benchmarks; delay rules then cannot be used)
   * @param seed seeds every random fault decision
   */
  public LocalNetwork(Scheduler scheduler, long seed) {
    this.scheduler = scheduler;
    this.random = new SplittableRandom(seed);
  }

  /** A transport for the member {@code id}; start it once. */
  public Transport transport(String id) {
    return new LocalTransport(id);
  }

  /**
   * Splits the network: members in different groups cannot reach each other; members named in no
   * group reach only each other.
   */
  @SafeVarargs
  public final synchronized void partition(Set<String>... groups) {
    partitionOf.clear();
    for (int g = 0; g < groups.length; g++) {
      for (String id : groups[g]) {
        partitionOf.put(id, g + 1);
      }
    }
  }

  /** Cuts {@code id} off from every other member. */
  public synchronized void isolate(String id) {
    partitionOf.put(id, -1 - partitionOf.size());
  }

  /**
   * Undoes {@link #isolate} or a partition for {@code id} alone: it reaches every member not itself
   * cut off.
   */
  public synchronized void rejoin(String id) {
    partitionOf.remove(id);
  }

  /**
   * Cuts the link between two members in both directions, leaving their other links alone; several
   * cuts make non-transitive partitions such as a majorities ring.
   */
  public synchronized void cut(String a, String b) {
    cutLinks.add(List.of(a, b));
    cutLinks.add(List.of(b, a));
  }

  /** Removes every partition and cut link (rules stay). */
  public synchronized void heal() {
    partitionOf.clear();
    cutLinks.clear();
  }

  /** Adds a fault rule. */
  public void addRule(LinkRule rule) {
    rules.add(rule);
  }

  /** Removes every fault rule (partitions stay). */
  public void clearRules() {
    rules.clear();
  }

  /** Calls {@code observer} with every message sent, before faults apply. */
  public void observe(Consumer<RaftMessage> observer) {
    observers.add(observer);
  }

  private synchronized boolean connected(String a, String b) {
    return partitionOf.getOrDefault(a, 0).equals(partitionOf.getOrDefault(b, 0))
        && !cutLinks.contains(List.of(a, b));
  }

  private void route(RaftMessage m) {
    observers.forEach(o -> o.accept(m));
    if (!connected(m.from(), m.to())) {
      return;
    }
    int copies = 1;
    long delayNanos = 0;
    synchronized (random) {
      for (LinkRule rule : rules) {
        if (!rule.matches(m)) {
          continue;
        }
        if (random.nextDouble() < rule.dropRate()) {
          return;
        }
        if (random.nextDouble() < rule.duplicateRate()) {
          copies++;
        }
        long min = rule.minDelay().toNanos();
        long max = rule.maxDelay().toNanos();
        delayNanos = Math.max(delayNanos, max > min ? random.nextLong(min, max + 1) : min);
      }
    }
    for (int i = 0; i < copies; i++) {
      if (delayNanos == 0) {
        scheduler.schedule(() -> deliver(m)); // Schedulers.immediate() hands over inline
      } else {
        scheduler.schedule(() -> deliver(m), delayNanos, TimeUnit.NANOSECONDS);
      }
    }
  }

  private void deliver(RaftMessage m) {
    // The partition is checked again on arrival: a message in flight when a link is cut is lost.
    FluxSink<RaftMessage> inbox = inboxes.get(m.to());
    if (inbox != null && connected(m.from(), m.to())) {
      inbox.next(m);
    }
  }

  private final class LocalTransport implements Transport {
    private final String id;
    private final List<String> peers = new ArrayList<>();

    LocalTransport(String id) {
      this.id = id;
    }

    @Override
    public Flux<RaftMessage> start(Member self, Iterable<Member> peerMembers) {
      if (!self.id().equals(id)) {
        throw new IllegalArgumentException("transport of " + id + " started for " + self.id());
      }
      peerMembers.forEach(p -> peers.add(p.id()));
      return Flux.create(
          sink -> {
            if (inboxes.putIfAbsent(id, sink) != null) {
              sink.error(new IllegalStateException(id + " is already on the network"));
              return;
            }
            sink.onDispose(() -> inboxes.remove(id, sink));
          },
          FluxSink.OverflowStrategy.BUFFER);
    }

    @Override
    public void updatePeers(Iterable<Member> peerMembers) {
      List<String> ids = new ArrayList<>();
      peerMembers.forEach(p -> ids.add(p.id()));
      synchronized (peers) {
        peers.clear();
        peers.addAll(ids);
      }
    }

    @Override
    public void send(RaftMessage message) {
      boolean known;
      synchronized (peers) {
        known = peers.contains(message.to());
      }
      if (!known) {
        throw new IllegalArgumentException(message.to() + " is not a peer of " + id);
      }
      route(message);
    }

    @Override
    public Mono<Void> close() {
      return Mono.fromRunnable(
          () -> {
            FluxSink<RaftMessage> sink = inboxes.remove(id);
            if (sink != null) {
              sink.complete();
            }
          });
    }
  }
}
