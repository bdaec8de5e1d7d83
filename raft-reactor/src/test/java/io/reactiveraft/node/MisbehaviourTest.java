package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.CommandTimeoutException;
import io.reactiveraft.InvalidCommandException;
import io.reactiveraft.Member;
import io.reactiveraft.NodeClosedException;
import io.reactiveraft.RaftNode;
import io.reactiveraft.StateMachine;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.ForwardedCommand;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.snapshot.InMemorySnapshotStore;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.Transport;
import io.reactiveraft.testing.ForwardingSnapshotStore;
import io.reactiveraft.testing.VirtualCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What a caller's or a state machine's misbehaviour does to a node: code that is not the node's
 * runs on the node's threads (a subscriber is signalled where the result is ready), and it must
 * neither skip applies, nor silence later callers, nor leave one waiting forever.
 */
class MisbehaviourTest {

  private static final Duration LONG = Duration.ofSeconds(10);

  @Test
  void aSubscriberThatThrowsDoesNotCostTheEntriesAppliedAfterIt() {
    try (VirtualCluster cluster = new VirtualCluster(3, 41)) {
      String leader = cluster.awaitLeader();
      RaftNode<String, String> node = cluster.node(leader);
      List<String> results = Collections.synchronizedList(new ArrayList<>());
      // Its value handler throws, and so does its error handler, which Reactor hands that
      // exception to: the throw reaches the thread that delivers the result.
      node.submit("first")
          .subscribe(
              v -> {
                throw new IllegalStateException("a bug in the caller's value handler");
              },
              e -> {
                throw new IllegalStateException("and in its error handler", e);
              });
      node.submit("second").subscribe(results::add); // the same batch: one apply hand-off
      node.submit("third").subscribe(results::add);
      cluster.advanceUntil(() -> results.size() == 2, LONG, "the later callers are answered");

      assertThat(results).allSatisfy(r -> assertThat(r).matches("\\d+:(second|third)"));
      for (String id : cluster.ids()) {
        cluster.advanceUntil(
            () -> cluster.stateMachine(id).applied().size() == 3, LONG, id + " applies all");
        assertThat(cluster.stateMachine(id).applied()).containsExactly("first", "second", "third");
      }
      List<String> later = new ArrayList<>();
      node.submit("fourth").subscribe(later::add);
      cluster.advanceUntil(() -> !later.isEmpty(), LONG, "the node still serves");
    }
  }

  @Test
  void aStateMachineErrorStopsTheNodeRatherThanSkippingTheEntry() {
    List<String> applied = Collections.synchronizedList(new ArrayList<>());
    StateMachine<String, String> failing =
        (index, command) -> {
          if (command.equals("boom")) {
            throw new AssertionError("the state machine's own invariant broke");
          }
          applied.add(command);
          return command;
        };
    try (VirtualCluster cluster = new VirtualCluster(1, 42, b -> b.stateMachine(failing))) {
      RaftNode<String, String> node = cluster.node(cluster.awaitLeader());
      List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
      node.submit("boom").subscribe(v -> {}, errors::add);
      node.submit("after").subscribe(v -> {}, errors::add);
      cluster.advanceUntil(() -> errors.size() == 2, LONG, "both callers are answered");

      assertThat(errors).allSatisfy(e -> assertThat(e).isInstanceOf(NodeClosedException.class));
      assertThat(applied).doesNotContain("after");
      List<Throwable> statusError = new ArrayList<>();
      node.status().subscribe(s -> {}, statusError::add);
      cluster.advanceUntil(() -> !statusError.isEmpty(), LONG, "status reports the stop");
      assertThat(statusError).singleElement().isInstanceOf(NodeClosedException.class);
    }
  }

  /**
   * A batch whose first input breaks the node (here a message that would overwrite a committed
   * entry, which only a faulty peer sends) stops it; a command in the same batch, after that input,
   * must still be answered rather than dropped with the rest of the batch.
   */
  @Test
  void aCommandInTheBatchThatStoppedTheNodeIsAnsweredNotDropped() {
    Sinks.Many<RaftMessage> inbox = Sinks.many().unicast().onBackpressureBuffer();
    Transport transport =
        new Transport() {
          @Override
          public Flux<RaftMessage> start(Member self, Iterable<Member> peers) {
            return inbox.asFlux();
          }

          @Override
          public void send(RaftMessage message) {}

          @Override
          public Mono<Void> close() {
            return Mono.empty();
          }
        };
    try (VirtualCluster cluster = new VirtualCluster(1, 42, b -> b.transport(transport))) {
      String id = cluster.awaitLeader();
      RaftNode<String, String> node = cluster.node(id);
      cluster.advanceUntil(
          () -> cluster.status(id).commitIndex() >= 1, LONG, "the leader's no-op commits");
      List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
      // Queued together, from a task of the node's own scheduler: one batch, the message first.
      cluster
          .scheduler()
          .schedule(
              () -> {
                inbox.tryEmitNext(
                    new AppendEntriesRequest(
                        "rogue",
                        id,
                        99,
                        0,
                        0,
                        List.of(new LogEntry(1, 99, EntryType.COMMAND, new byte[] {1})),
                        0));
                node.submit("after the bad message", Duration.ofDays(365))
                    .subscribe(v -> {}, errors::add);
              });
      cluster.advanceUntil(() -> !errors.isEmpty(), LONG, "the command's caller is answered");

      assertThat(errors).singleElement().isInstanceOf(NodeClosedException.class);
    }
  }

  @Test
  void aLeaderChangeListenerThatThrowsKeepsListening() {
    AtomicInteger heard = new AtomicInteger();
    try (VirtualCluster cluster =
        new VirtualCluster(
            3,
            43,
            b ->
                b.leaderChangeListener(
                    change -> {
                      heard.incrementAndGet();
                      throw new IllegalStateException("a bug in the listener");
                    }))) {
      String first = cluster.awaitLeader();
      cluster.advanceUntil(() -> heard.get() >= 3, LONG, "every node told of the first leader");
      int before = heard.get();
      cluster.network().isolate(first);
      cluster.advanceUntil(
          () -> cluster.leaders().stream().anyMatch(l -> !l.equals(first)), LONG, "a new leader");
      cluster.advanceUntil(() -> heard.get() > before, LONG, "the listeners hear of it");
    }
  }

  @Test
  void aStateMachineThatCannotSnapshotFailsTheCallerAndTheNodeGoesOn() {
    StateMachine<String, String> noImage =
        new StateMachine<>() {
          @Override
          public String apply(long index, String command) {
            return command;
          }

          @Override
          public Snapshot snapshot() {
            throw new IllegalStateException("the image cannot be taken now");
          }
        };
    try (VirtualCluster cluster =
        new VirtualCluster(
            1, 44, b -> b.stateMachine(noImage).snapshotStore(new InMemorySnapshotStore()))) {
      RaftNode<String, String> node = cluster.node(cluster.awaitLeader());
      List<String> results = new ArrayList<>();
      node.submit("a").subscribe(results::add);
      cluster.advanceUntil(() -> !results.isEmpty(), LONG, "a applies");

      List<Throwable> errors = new ArrayList<>();
      node.snapshot().subscribe(i -> {}, errors::add);
      cluster.advanceUntil(() -> !errors.isEmpty(), LONG, "the snapshot caller is answered");
      assertThat(errors.get(0)).hasMessageContaining("cannot be taken");
      assertThat(errors).hasSize(1);

      node.submit("b").subscribe(results::add);
      cluster.advanceUntil(() -> results.size() == 2, LONG, "the node still applies");
    }
  }

  @Test
  void aSnapshotCallerIsAnsweredWhenTheNodeClosesDuringTheWrite() throws Exception {
    BlockingSnapshotStore store = new BlockingSnapshotStore();
    // the write blocks, so it runs on a real IO thread while virtual time goes on
    Scheduler io = Schedulers.newSingle("blocking-snapshot-io");
    try (VirtualCluster cluster =
        new VirtualCluster(1, 45, b -> b.snapshotStore(store).ioScheduler(io))) {
      RaftNode<String, String> node = cluster.node(cluster.awaitLeader());
      List<String> results = new ArrayList<>();
      node.submit("a").subscribe(results::add);
      cluster.advanceUntil(() -> !results.isEmpty(), LONG, "a applies");

      List<Object> outcome = Collections.synchronizedList(new ArrayList<>());
      node.snapshot().subscribe(outcome::add, outcome::add);
      cluster.advance(Duration.ofMillis(10)); // the apply thread takes the image, IO writes it
      assertThat(store.entered.await(10, TimeUnit.SECONDS)).as("the write started").isTrue();

      List<Boolean> closed = Collections.synchronizedList(new ArrayList<>());
      node.close().subscribe(null, null, () -> closed.add(true));
      cluster.advanceUntil(() -> !outcome.isEmpty(), LONG, "the snapshot caller is answered");
      assertThat(outcome).singleElement().isInstanceOf(NodeClosedException.class);
      assertThat(closed).as("close waits for the image being written").isEmpty();

      store.release.countDown();
      assertThat(store.committed.await(30, TimeUnit.SECONDS)).as("the write ended").isTrue();
      // Well inside the close's 10 s limit on waiting for the write: a close that completes now
      // completed because the write ended, not because it gave up waiting.
      for (int i = 0; i < 1_000 && closed.isEmpty(); i++) {
        cluster.advance(VirtualCluster.STEP);
        LockSupport.parkNanos(1_000_000); // the IO thread's last steps run in real time
      }
      assertThat(closed).as("close completes once the write has ended").isNotEmpty();
    } finally {
      store.release.countDown();
      io.dispose();
    }
  }

  /** A store whose writes wait until the test lets them go. */
  private static final class BlockingSnapshotStore extends ForwardingSnapshotStore {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch committed = new CountDownLatch(1);

    BlockingSnapshotStore() {
      super(new InMemorySnapshotStore());
    }

    @Override
    public SnapshotSink create(long index, long term, ClusterConfiguration configuration)
        throws IOException {
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      SnapshotSink sink = delegate.create(index, term, configuration);
      return new SnapshotSink() {
        @Override
        public OutputStream out() {
          return sink.out();
        }

        @Override
        public SnapshotMeta commit() throws IOException {
          SnapshotMeta meta = sink.commit();
          committed.countDown();
          return meta;
        }

        @Override
        public void close() {
          sink.close();
        }
      };
    }
  }

  /**
   * A session command that cannot be decoded, as a faulty or foreign peer might forward, is
   * committed like any entry: every node refuses it where it applies, and goes on.
   */
  @Test
  void aSessionCommandThatCannotBeDecodedIsRefusedAndTheNodesGoOn() {
    try (VirtualCluster cluster =
        new VirtualCluster(
            3,
            43,
            (id, b) ->
                b.forwardToLeader(true)
                    .transport(new GarblingForwardedSessionCommands(b.build().transport())))) {
      String leader = cluster.awaitLeader();
      String follower = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().get();
      List<Object> out = Collections.synchronizedList(new ArrayList<>());
      cluster.node(follower).submit("garbled", "client-1", 1).subscribe(out::add, out::add);
      cluster.advanceUntil(() -> out.size() == 1, LONG, "the forwarded command's outcome");
      assertThat(out.get(0)).isInstanceOf(InvalidCommandException.class);

      assertEveryNodeAppliesOnlyTheNextCommand(cluster, leader);
    }
  }

  /**
   * A follower without a snapshot store that a leader can bring up to date only with a snapshot
   * stops with an error that says what to change, rather than failing on a missing store.
   */
  @Test
  void aFollowerWithoutASnapshotStoreSentASnapshotStopsSayingWhy() {
    try (VirtualCluster cluster =
        new VirtualCluster(
            3,
            45,
            (id, b) ->
                id.equals("n3")
                    ? b
                    : b.snapshotStore(new InMemorySnapshotStore()).snapshotThreshold(10))) {
      String leader = cluster.awaitLeaderOtherThan("n3");
      List<Throwable> stopped = Collections.synchronizedList(new ArrayList<>());
      cluster.node("n3").events().subscribe(e -> {}, stopped::add);
      cluster.network().isolate("n3");
      RaftNode<String, String> node = cluster.node(leader);
      List<String> results = Collections.synchronizedList(new ArrayList<>());
      Flux.range(0, 40).concatMap(i -> node.submit("w" + i)).subscribe(results::add);
      String leaderId = leader;
      cluster.advanceUntil(
          () -> results.size() == 40 && cluster.status(leaderId).firstLogIndex() > 1,
          LONG,
          "the leader compacts its log");
      cluster.network().rejoin("n3");

      cluster.advanceUntil(() -> !stopped.isEmpty(), LONG, "n3 stops");
      assertThat(stopped.get(0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has no snapshot store")
          .hasMessageContaining("RaftConfig.snapshotStore");
      node.submit("after").subscribe(results::add);
      cluster.advanceUntil(() -> results.size() == 41, LONG, "the others go on");
    }
  }

  /**
   * A follower configured to take larger commands than the leader forwards one: the leader keeps
   * its own limit (its store could refuse the entry, which stops a node) and drops it; the caller
   * times out, and the leader goes on.
   */
  @Test
  void aForwardedCommandAboveTheLeadersLimitIsDroppedNotAppended() {
    try (VirtualCluster cluster =
        new VirtualCluster(
            3,
            46,
            (id, b) -> b.forwardToLeader(true).maxCommandBytes(id.equals("n3") ? 4096 : 100))) {
      String leader = cluster.awaitLeaderOtherThan("n3");
      List<Object> out = Collections.synchronizedList(new ArrayList<>());
      cluster
          .node("n3")
          .submit("x".repeat(1000), Duration.ofSeconds(1))
          .subscribe(out::add, out::add);
      cluster.advanceUntil(() -> out.size() == 1, LONG, "the forwarded command's outcome");
      assertThat(out.get(0)).isInstanceOf(CommandTimeoutException.class);

      assertEveryNodeAppliesOnlyTheNextCommand(cluster, leader);
    }
  }

  /** The nodes go on: a command submitted on the leader is the only one every node applies. */
  private static void assertEveryNodeAppliesOnlyTheNextCommand(
      VirtualCluster cluster, String leader) {
    cluster.node(leader).submit("after").subscribe();
    cluster.advanceUntil(
        () ->
            cluster.ids().stream()
                .allMatch(id -> cluster.stateMachine(id).applied().contains("after")),
        LONG,
        "every node applies the next command");
    for (String id : cluster.ids()) {
      assertThat(cluster.stateMachine(id).applied()).as(id).containsExactly("after");
    }
  }

  /** A transport that cuts every session command it forwards to its first three bytes. */
  private record GarblingForwardedSessionCommands(Transport delegate) implements Transport {
    @Override
    public Flux<RaftMessage> start(Member self, Iterable<Member> peers) {
      return delegate.start(self, peers);
    }

    @Override
    public void updatePeers(Iterable<Member> peers) {
      delegate.updatePeers(peers);
    }

    @Override
    public void send(RaftMessage m) {
      if (m instanceof ForwardedCommand f && f.type() == EntryType.SESSION_COMMAND) {
        m =
            new ForwardedCommand(
                f.from(), f.to(), f.term(), f.requestId(), f.type(), Arrays.copyOf(f.payload(), 3));
      }
      delegate.send(m);
    }

    @Override
    public Mono<Void> close() {
      return delegate.close();
    }
  }
}
