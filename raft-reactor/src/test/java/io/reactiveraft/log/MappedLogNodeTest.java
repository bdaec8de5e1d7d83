package io.reactiveraft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.NodeClosedException;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.testing.RecordingStateMachine;
import io.reactiveraft.testing.StringCodec;
import io.reactiveraft.transport.local.LocalNetwork;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** A real single-node cluster on the mapped log, in real time (the store's IO is real). */
class MappedLogNodeTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;

  private final Scheduler networkScheduler = Schedulers.newSingle("test-network");

  @AfterEach
  void disposeScheduler() {
    networkScheduler.dispose();
  }

  private RaftNode<String, String> start(MappedLogStore store, RecordingStateMachine machine) {
    LocalNetwork network = new LocalNetwork(networkScheduler, 1);
    RaftConfig<String, String> config =
        RaftConfig.<String, String>builder()
            .members(List.of(new Member("n1", "local:n1")))
            .self("n1")
            .transport(network.transport("n1"))
            .logStore(store)
            .stateMachine(machine)
            .codec(new StringCodec())
            .tickInterval(Duration.ofMillis(5))
            .heartbeatInterval(Duration.ofMillis(10))
            .electionTimeout(Duration.ofMillis(50))
            .randomSeed(1)
            .bootstrap(true)
            .build();
    RaftNode<String, String> node = ReactiveRaft.start(config);
    node.leaderChanges().filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER).blockFirst(WAIT);
    return node;
  }

  @Test
  void aNodeWhoseStoreFailsToForceStopsAndAcknowledgesNothing() {
    AtomicBoolean failing = new AtomicBoolean();
    MappedLogStore store =
        MappedLogStore.open(
            dir,
            MappedLogOptions.builder()
                .segmentSize(1 << 20)
                .forceHook(
                    file -> {
                      // Only the segment fails: the metadata watermark of the write before
                      // may still be forced after the switch, and would fail first.
                      if (failing.get() && file.equals(Segment.fileName(1))) {
                        throw new IOException("Input/output error (injected) on " + file);
                      }
                    })
                .build());
    RecordingStateMachine machine = new RecordingStateMachine();
    RaftNode<String, String> node = start(store, machine);
    try {
      assertThat(node.submit("before").block(WAIT)).endsWith(":before");

      failing.set(true);
      assertThatThrownBy(() -> node.submit("after").block(WAIT))
          .isInstanceOfSatisfying(
              NodeClosedException.class,
              e ->
                  assertThat(e)
                      .hasRootCauseMessage(
                          "Input/output error (injected) on " + Segment.fileName(1)));
      assertThat(machine.applied()).containsExactly("before");
      assertThatThrownBy(() -> node.submit("later").block(WAIT))
          .isInstanceOf(NodeClosedException.class);
      assertThat(machine.applied()).containsExactly("before");
    } finally {
      node.close().block(WAIT);
    }
  }

  /**
   * A leader replicates an entry before its own store appends it, so a command too large for the
   * store must be refused at submission: otherwise every replica would meet it and stop.
   */
  @Test
  void aCommandLargerThanTheStoresEntryLimitIsRefusedAndTheNodeGoesOn() {
    MappedLogOptions small = MappedLogOptions.builder().segmentSize(8192).build();
    RecordingStateMachine machine = new RecordingStateMachine();
    RaftNode<String, String> node = start(MappedLogStore.open(dir, small), machine);
    try {
      String tooLarge = "x".repeat(small.maxPayloadSize() + 1);
      assertThatThrownBy(() -> node.submit(tooLarge).block(WAIT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("log store's entry limit of " + small.maxPayloadSize());

      assertThat(node.submit("small").block(WAIT)).endsWith(":small");
      assertThat(machine.applied()).containsExactly("small");
    } finally {
      node.close().block(WAIT);
    }
  }

  /**
   * A follower's read travels to the leader under its request id, and the answer comes back under
   * it: were ids to start over at each start, a late answer to a read of the previous run (an older
   * read index) could answer a read of this one.
   */
  @Test
  void requestIdsAreNotReusedByTheNextStartEvenWithTheSameSeed() {
    List<Long> firstIds = new java.util.ArrayList<>();
    for (int run = 0; run < 2; run++) {
      RaftNode<String, String> node = start(MappedLogStore.open(dir), new RecordingStateMachine());
      try {
        List<Long> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
        node.events()
            .subscribe(
                e -> {
                  if (e instanceof io.reactiveraft.RaftEvent.ReadRequested r) {
                    ids.add(r.requestId());
                  }
                });
        node.submit("w" + run).block(WAIT);
        node.read("r").block(WAIT);
        assertThat(ids).hasSize(1);
        firstIds.add(ids.get(0));
      } finally {
        node.close().block(WAIT);
      }
    }
    assertThat(firstIds.get(1)).isNotEqualTo(firstIds.get(0));
  }

  @Test
  void aRestartedNodeKeepsItsTermAndLog() {
    RecordingStateMachine first = new RecordingStateMachine();
    RaftNode<String, String> node = start(MappedLogStore.open(dir), first);
    node.submit("a").block(WAIT);
    node.submit("b").block(WAIT);
    long term = node.status().block(WAIT).term();
    node.close().block(WAIT); // closes the store too

    MappedLogStore reopened = MappedLogStore.open(dir);
    assertThat(reopened.hardState().currentTerm()).isEqualTo(term);
    RecordingStateMachine second = new RecordingStateMachine();
    RaftNode<String, String> restarted = start(reopened, second);
    try {
      restarted.submit("c").block(WAIT);
      assertThat(second.applied()).containsExactly("a", "b", "c");
      assertThat(restarted.status().block(WAIT).term()).isGreaterThan(term);
    } finally {
      restarted.close().block(WAIT);
    }
  }
}
