package io.reactiveraft.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.testing.RealTimeNodes;
import io.reactiveraft.testing.RecordingStateMachine;
import io.reactiveraft.testing.StringCodec;
import io.reactiveraft.transport.local.LocalNetwork;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Snapshots on real nodes with files: taken at the threshold and on demand, restored at start, sent
 * to a follower that fell behind the leader's compacted log, and a damaged newest snapshot replaced
 * by an older one at start.
 */
class SnapshotNodeTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int THRESHOLD = 50;

  @TempDir Path dir;

  private final Scheduler networkScheduler = Schedulers.newSingle("snapshot-test-network");
  private final Map<String, RaftNode<String, String>> nodes = new LinkedHashMap<>();
  private final Map<String, RecordingStateMachine> machines = new LinkedHashMap<>();
  private List<Member> members;
  private LocalNetwork network;

  @AfterEach
  void stop() {
    closeAll();
    networkScheduler.dispose();
  }

  private void closeAll() {
    Flux.fromIterable(nodes.values()).flatMap(RaftNode::close).blockLast(WAIT);
    nodes.clear();
  }

  private void startCluster(int size, boolean bootstrap) {
    members =
        IntStream.rangeClosed(1, size).mapToObj(i -> new Member("n" + i, "local:n" + i)).toList();
    network = new LocalNetwork(networkScheduler, 7);
    members.forEach(m -> start(m.id(), bootstrap));
  }

  private void start(String id, boolean bootstrap) {
    RecordingStateMachine sm = new RecordingStateMachine();
    RaftConfig<String, String> config =
        RealTimeNodes.loadTolerant(RaftConfig.<String, String>builder())
            .members(members)
            .self(id)
            .transport(network.transport(id))
            .logStore(RealTimeNodes.mappedLog(dir.resolve(id).resolve("log")))
            .snapshotStore(FileSnapshotStore.open(dir.resolve(id).resolve("snapshots")))
            .snapshotThreshold(THRESHOLD)
            .snapshotChunkBytes(1024)
            .logHistory(3)
            .stateMachine(sm)
            .codec(new StringCodec())
            .bootstrap(bootstrap)
            .build();
    nodes.put(id, ReactiveRaft.start(config));
    machines.put(id, sm);
  }

  private String awaitLeader() {
    return Flux.fromIterable(nodes.values())
        .flatMap(RaftNode::leaderChanges)
        .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
        .map(LeaderChange::leader)
        .blockFirst(WAIT);
  }

  private List<String> write(String leader, String prefix, int count) {
    return Flux.range(0, count)
        .concatMap(i -> nodes.get(leader).submit(prefix + i).map(r -> prefix + i))
        .collectList()
        .block(WAIT);
  }

  /** Writes with 16 commands in flight, so snapshots are taken while applies go on. */
  private List<String> writeConcurrently(String leader, String prefix, int count) {
    return Flux.range(0, count)
        .flatMap(i -> nodes.get(leader).submit(prefix + i).map(r -> prefix + i), 16)
        .collectList()
        .block(WAIT);
  }

  private RaftStatus status(String id) {
    return nodes.get(id).status().block(WAIT);
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      LockSupport.parkNanos(1_000_000); // polls without taking a core from the nodes
    }
  }

  @Test
  void snapshotsAtTheThresholdCompactTheLogAndARestartResumesFromThem() {
    startCluster(3, true);
    String leader = awaitLeader();
    List<String> written = writeConcurrently(leader, "w", 4 * THRESHOLD);
    await(
        () -> members.stream().allMatch(m -> status(m.id()).snapshots().size() >= 2),
        "every node has taken two snapshots");
    for (Member m : members) {
      // The log is kept back to the previous snapshot. Polled: a snapshot is listed once its file
      // is written, a moment before the node's loop hears of it and compacts.
      await(
          () -> {
            RaftStatus s = status(m.id());
            return s.firstLogIndex() == s.snapshots().get(s.snapshots().size() - 2) + 1;
          },
          m.id() + " keeps its log back to its previous snapshot");
    }

    closeAll();
    machines.clear();
    members.forEach(m -> start(m.id(), false));

    for (Member m : members) {
      assertThat(machines.get(m.id()).restores()).as(m.id() + " restored a snapshot").isOne();
    }
    String next = awaitLeader();
    write(next, "after", 1);
    for (Member m : members) {
      await(
          () -> machines.get(m.id()).applied().contains("after0"),
          m.id() + " applies the first write after the restart");
      assertThat(machines.get(m.id()).applied()).containsSubsequence(written);
    }
  }

  @Test
  void aFollowerCutOffWhileTheLeaderCompactsCatchesUpThroughASnapshot() {
    startCluster(3, true);
    String leader = awaitLeader();
    String behind =
        members.stream().map(Member::id).filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    network.isolate(behind);
    write(leader, "w", 3 * THRESHOLD);
    await(() -> status(leader).snapshots().size() >= 2, "the leader took two snapshots");
    // Polled: a snapshot is listed a moment before the leader's loop hears of it and compacts.
    await(
        () -> status(behind).lastLogIndex() < status(leader).firstLogIndex(),
        "the leader's log starts past everything " + behind + " holds");

    network.heal();
    await(
        () -> machines.get(behind).applied().equals(machines.get(leader).applied()),
        behind + " reaches the leader's state");
    // Through a snapshot; through two if the leader finished another one meanwhile.
    assertThat(machines.get(behind).restores()).as("it got there through a snapshot").isPositive();
    assertThat(status(behind).snapshots()).isNotEmpty();
  }

  @Test
  void aSnapshotOnDemandCoversEverythingApplied() {
    startCluster(1, true);
    String leader = awaitLeader();
    write(leader, "w", 10);

    long index = nodes.get(leader).snapshot().block(WAIT);

    RaftStatus s = status(leader);
    assertThat(index).isEqualTo(s.lastApplied());
    assertThat(s.snapshots()).containsExactly(index);
    assertThat(nodes.get(leader).snapshot().block(WAIT))
        .as("nothing applied since: the same snapshot")
        .isEqualTo(index);

    write(leader, "more", 5);
    long next = nodes.get(leader).snapshot().block(WAIT);
    assertThat(next).isGreaterThan(index);
    assertThat(status(leader).snapshots()).containsExactly(index, next);
    assertThat(status(leader).firstLogIndex())
        .as("the log is kept back to the previous snapshot")
        .isEqualTo(index + 1);
  }

  @Test
  void twoSnapshotsAskedInQuickSuccessionUnderLoadBothComplete() {
    startCluster(3, true);
    String leader = awaitLeader();
    RaftNode<String, String> node = nodes.get(leader);
    write(leader, "first", 10);
    var load = Flux.range(0, 400).flatMap(i -> node.submit("w" + i), 16).then().toFuture();

    var both = Mono.zip(node.snapshot(), node.snapshot()).block(WAIT); // the second waits
    Long later = node.snapshot().block(WAIT);
    load.join();

    assertThat(both.getT1()).isPositive();
    assertThat(both.getT2()).isGreaterThanOrEqualTo(both.getT1());
    assertThat(later).isGreaterThanOrEqualTo(both.getT2());
    List<Long> held = status(leader).snapshots(); // threshold snapshots too; the newest 3 kept
    assertThat(held.get(held.size() - 1)).isGreaterThanOrEqualTo(later);
    String follower =
        members.stream().map(Member::id).filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    await(() -> machines.get(follower).applied().size() == 410, "a follower applies every command");
  }

  @Test
  void aRestartBetweenTheSnapshotAndTheCompactionRestartsFromTheSnapshot() {
    startCluster(1, true);
    String leader = awaitLeader();
    List<String> written = write(leader, "w", 10);
    long index = nodes.get(leader).snapshot().block(WAIT);
    closeAll(); // the store still holds every entry: compaction waits for the next snapshot
    machines.clear();

    start(leader, false);

    assertThat(machines.get(leader).restores()).isOne();
    assertThat(machines.get(leader).applied()).containsExactlyElementsOf(written);
    awaitLeader();
    assertThat(status(leader).commitIndex()).isGreaterThanOrEqualTo(index);
  }

  @Test
  void whenNoSnapshotRestoresTheNodeRefusesToStart() throws IOException {
    startCluster(1, true);
    String leader = awaitLeader();
    write(leader, "w", THRESHOLD + 10);
    await(() -> !status(leader).snapshots().isEmpty(), "a snapshot");
    closeAll();
    try (Stream<Path> files = Files.list(dir.resolve(leader).resolve("snapshots"))) {
      for (Path snapshot : files.filter(p -> p.toString().endsWith(".snap")).toList()) {
        try (FileChannel ch = FileChannel.open(snapshot, StandardOpenOption.WRITE)) {
          ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x55, 0x55}), Files.size(snapshot) / 2);
        }
      }
    }

    assertThatThrownBy(() -> start(leader, false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("restores cleanly");
  }

  @Test
  void aDamagedNewestSnapshotFallsBackToTheOlderOneAndTheLog() throws IOException {
    startCluster(1, true);
    String leader = awaitLeader();
    // A threshold crossed while the previous snapshot is still being written is taken at the next
    // apply after it, so a fixed count of writes need not yield three snapshots: write on until it
    // has.
    List<String> written = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (int round = 0; status(leader).snapshots().size() < 3; round++) {
      assertThat(System.nanoTime()).as("three snapshots in time").isLessThan(deadline);
      written.addAll(write(leader, "w" + round + "-", THRESHOLD));
    }
    closeAll();
    machines.clear();
    Path newest;
    try (Stream<Path> files = Files.list(dir.resolve(leader).resolve("snapshots"))) {
      newest =
          files
              .filter(p -> p.toString().endsWith(".snap"))
              .sorted()
              .reduce((a, b) -> b)
              .orElseThrow();
    }
    // Named by its zero-padded index; read from the file, since a snapshot still being written
    // when the status was read may have become the newest since.
    String name = newest.getFileName().toString();
    long newestIndex = Long.parseLong(name.substring("snapshot-".length(), name.indexOf('.')));
    try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x55, 0x55}), Files.size(newest) / 2);
    }

    start(leader, false);

    assertThat(machines.get(leader).restoreAttempts())
        .as(
            "the damaged snapshot is refused before the state machine reads any of it; an older"
                + " one and the log after it replace it")
        .isOne();
    assertThat(machines.get(leader).lastRestoredSize())
        .as("restored from an older snapshot than the newest, at " + newestIndex)
        .isLessThan((int) newestIndex - 1);
    assertThat(status(leader).snapshots())
        .as("the damaged snapshot is no longer listed, so it counts towards no retention")
        .doesNotContain(newestIndex);
    assertThat(newest.resolveSibling(name + ".damaged")).as("kept for inspection").exists();
    awaitLeader();
    await(
        () -> machines.get(leader).applied().size() >= written.size(),
        "the log after the older snapshot is applied again");
    assertThat(machines.get(leader).applied()).containsExactlyElementsOf(written);
    write(leader, "after", 1);
    assertThat(machines.get(leader).applied()).endsWith("after0");
  }
}
