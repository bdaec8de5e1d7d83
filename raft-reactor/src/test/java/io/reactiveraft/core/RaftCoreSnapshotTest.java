package io.reactiveraft.core;

import static io.reactiveraft.core.RaftCoreElectionTest.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.RaftEvent;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.InstallSnapshotResponse;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.SnapshotMeta;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Compaction and InstallSnapshot (paper section 7): chunked transfer, install, restart. */
class RaftCoreSnapshotTest {

  private static final int CHUNK = 1024;

  /** A snapshot's data whole in one chunk, and its checksum. */
  private static final byte[] DATA = CoreNetwork.snapshotData(5, 10);

  private static final int CHECKSUM = CoreNetwork.checksum(DATA);

  private static CoreNetwork network(String... ids) {
    return new CoreNetwork(
        (self, voters) -> CoreNetwork.defaultConfig(self, voters).withSnapshotChunkBytes(CHUNK),
        ids);
  }

  /** Commits {@code count} commands on leader {@code a}, with heartbeats to spread the commit. */
  private static void commit(CoreNetwork net, int count) {
    for (int i = 0; i < count; i++) {
      net.propose("a", "cmd" + i);
      net.deliverAll();
    }
    heartbeats(net, "a", 2);
  }

  private static void heartbeats(CoreNetwork net, String leader, int rounds) {
    for (int i = 0; i < rounds; i++) {
      net.tick(leader, CoreNetwork.HEARTBEAT_TICKS);
      net.deliverAll();
    }
  }

  /**
   * Runs the leader's heartbeats, delivering what {@code filter} lets through, until {@code
   * follower} has begun to receive a snapshot.
   */
  private static void deliverUntilReceiving(
      CoreNetwork net, String follower, java.util.function.Predicate<RaftMessage> filter) {
    for (int i = 0; i < 10 && net.node(follower).receiving == null; i++) {
      net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
      net.deliverWhile(filter);
    }
  }

  /**
   * Leader a commits while c is cut off, and compacts its log past what c holds behind a snapshot
   * of three chunks; then c comes back, needing it. Returns that snapshot.
   */
  private static SnapshotMeta cThenNeedsASnapshot(CoreNetwork net) {
    net.elect("a");
    net.isolate("c");
    commit(net, 5);
    net.takeSnapshot("a", 100);
    commit(net, 2);
    SnapshotMeta meta = net.takeSnapshot("a", 3 * CHUNK);
    net.heal();
    return meta;
  }

  private static List<InstallSnapshotRequest> chunksTo(CoreNetwork net, String to) {
    return net.sent(InstallSnapshotRequest.class).stream().filter(m -> m.to().equals(to)).toList();
  }

  @Test
  void snapshotCompactsTheLogInMemoryAndTheStoreUpToThePreviousSnapshot() {
    CoreNetwork net = network("a", "b", "c");
    net.elect("a");
    commit(net, 10);
    SnapshotMeta first = net.takeSnapshot("a", 100);

    assertThat(net.core("a").snapshot()).isEqualTo(first);
    assertThat(net.core("a").log().firstIndex())
        .as("the log is kept back to the previous snapshot: none yet")
        .isEqualTo(1);
    assertThat(net.node("a").storedOffset).isZero();

    commit(net, 5);
    SnapshotMeta second = net.takeSnapshot("a", 100);
    assertThat(net.core("a").snapshot()).isEqualTo(second);
    assertThat(net.core("a").log().firstIndex()).isEqualTo(first.index() + 1);
    assertThat(net.core("a").status(0, List.of()).firstLogIndex()).isEqualTo(first.index() + 1);
    assertThat(net.node("a").storedOffset).isEqualTo(first.index());
  }

  @Test
  void followerCutOffWhileTheLeaderCompactsCatchesUpThroughTheSnapshotInChunks() {
    CoreNetwork net = network("a", "b", "c");
    net.elect("a");
    net.isolate("c");
    commit(net, 20);
    net.takeSnapshot("a", 100);
    commit(net, 3);
    SnapshotMeta meta = net.takeSnapshot("a", 2 * CHUNK + 452); // the log drops the first one's
    commit(net, 3); // entries after the snapshot, which c gets by AppendEntries

    net.heal();
    int sentBefore = net.sent.size();
    heartbeats(net, "a", 4);

    CoreNetwork.Node c = net.node("c");
    assertThat(
            net.sent.subList(sentBefore, net.sent.size()).stream()
                .filter(m -> m instanceof InstallSnapshotRequest)
                .map(m -> ((InstallSnapshotRequest) m).offset())
                .toList())
        .containsExactly(0L, (long) CHUNK, 2L * CHUNK);
    assertThat(c.snapshot).isEqualTo(meta);
    assertThat(c.snapshotData).isEqualTo(net.node("a").snapshotData);
    assertThat(c.restoredFrom).isEqualTo(meta);
    assertThat(c.core.commitIndex()).isEqualTo(net.core("a").commitIndex());
    assertThat(c.core.log().firstIndex()).isEqualTo(meta.index() + 1);
    assertThat(c.stored)
        .isEqualTo(net.node("a").stored.stream().filter(e -> e.index() > meta.index()).toList());
    // After the snapshot, c applies the commands that followed it, as the others did.
    assertThat(c.applied)
        .extracting(LogEntry::index)
        .containsExactlyElementsOf(
            net.node("a").applied.stream()
                .map(LogEntry::index)
                .filter(i -> i > meta.index())
                .toList());
  }

  @Test
  void anEmptySnapshotIsInstalledAndTheEntriesAfterItFlow() {
    CoreNetwork net = network("a", "b", "c");
    net.elect("a");
    net.isolate("c");
    commit(net, 20);
    net.takeSnapshot("a", 0); // a state machine whose image is empty
    commit(net, 3);
    SnapshotMeta meta = net.takeSnapshot("a", 0); // the log now starts after the first one
    commit(net, 3);

    net.heal();
    heartbeats(net, "a", 4);

    CoreNetwork.Node c = net.node("c");
    assertThat(c.snapshot).isEqualTo(meta);
    assertThat(net.core("c").log().lastIndex())
        .as("replication goes on after the empty snapshot")
        .isEqualTo(net.core("a").log().lastIndex());
  }

  @Test
  void aSnapshotThatArrivesDamagedIsSentAgainFromTheStartAfterTheLeaderRereadsIt() {
    CoreNetwork net = network("a", "b", "c");
    cThenNeedsASnapshot(net);

    boolean[] damaged = {false};
    int sentBefore = net.sent.size();
    deliverUntilReceiving(
        net,
        "c",
        m -> {
          if (m instanceof InstallSnapshotRequest r && r.offset() == CHUNK && !damaged[0]) {
            r.data()[17] ^= 0x40; // one bit flipped on the way
            damaged[0] = true;
          }
          return true;
        });
    net.deliverAll();
    heartbeats(net, "a", 3); // the stall timer starts the transfer over, if it has not yet

    CoreNetwork.Node c = net.node("c");
    assertThat(c.snapshot).isEqualTo(net.core("a").snapshot());
    assertThat(c.snapshotData).isEqualTo(net.node("a").snapshotData);
    List<InstallSnapshotResponse> answers =
        net.sent.subList(sentBefore, net.sent.size()).stream()
            .filter(m -> m instanceof InstallSnapshotResponse && m.from().equals("c"))
            .map(InstallSnapshotResponse.class::cast)
            .toList();
    assertThat(answers)
        .filteredOn(r -> !r.success())
        .singleElement()
        .satisfies(r -> assertThat(r.nextOffset()).isZero());
    assertThat(chunksTo(net, "c"))
        .extracting(InstallSnapshotRequest::offset)
        .as("the whole snapshot twice")
        .containsExactly(0L, (long) CHUNK, 2L * CHUNK, 0L, (long) CHUNK, 2L * CHUNK);
    assertThat(net.recheckedSnapshots).containsExactly("c");
  }

  /** A follower whose disk damages every copy must not get the snapshot again at full speed. */
  @Test
  void transfersThatKeepArrivingDamagedAreStartedOverLessAndLessOften() {
    CoreNetwork net = network("a", "b", "c");
    cThenNeedsASnapshot(net);

    for (int round = 0; round < 60; round++) {
      net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
      net.deliverWhile(
          m -> {
            if (m instanceof InstallSnapshotRequest r && r.offset() == CHUNK) {
              r.data()[3] ^= 0x01; // damaged every time
            }
            return true;
          });
    }
    long starts = chunksTo(net, "c").stream().filter(r -> r.offset() == 0).count();
    assertThat(net.node("c").snapshot).isNull();
    assertThat(starts)
        .as("started over with a growing pause, not every stall timeout (30 in 60 heartbeats)")
        .isBetween(3L, 8L);
  }

  /**
   * The store keeps a snapshot while it is being sent: a transfer under way that stalls goes on
   * with it when a newer one is taken, rather than start over; one stuck at a chunk for three stall
   * timeouts moves to the newer snapshot.
   */
  @Test
  void aStalledTransferKeepsItsSnapshotUnlessItStaysStuck() {
    for (boolean stuck : new boolean[] {false, true}) {
      CoreNetwork net = network("a", "b", "c");
      SnapshotMeta first = cThenNeedsASnapshot(net);
      boolean[] lostOnce = {false};
      java.util.function.Predicate<RaftMessage> network =
          m -> {
            if (m instanceof InstallSnapshotRequest r
                && r.snapshot().equals(first)
                && r.offset() == CHUNK
                && (stuck || !lostOnce[0])) {
              lostOnce[0] = true;
              return false; // its second chunk lost: once, or every time
            }
            return true;
          };
      deliverUntilReceiving(net, "c", network);
      commit(net, 2);
      SnapshotMeta newer = net.takeSnapshot("a", 3 * CHUNK);
      for (int i = 0; i < 12 && net.node("c").snapshot == null; i++) {
        net.tick("a", CoreNetwork.HEARTBEAT_TICKS);
        net.deliverWhile(network);
      }

      List<String> chunks =
          chunksTo(net, "c").stream().map(r -> r.snapshot().index() + "@" + r.offset()).toList();
      String f = first.index() + "@";
      String n = newer.index() + "@";
      if (stuck) {
        assertThat(chunks)
            .as("moved to the newer snapshot after three stalls")
            .doesNotContain(f + 2 * CHUNK)
            .contains(n + 0, n + CHUNK, n + 2 * CHUNK);
        assertThat(net.node("c").snapshot).isEqualTo(newer);
      } else {
        assertThat(chunks.subList(0, 4))
            .as("went on with its snapshot after the stall")
            .containsExactly(f + 0, f + CHUNK, f + CHUNK, f + 2 * CHUNK);
      }
    }
  }

  @Test
  void aLostChunkIsSentAgainAfterTheStallTimeout() {
    CoreNetwork net = network("a", "b", "c");
    cThenNeedsASnapshot(net);

    deliverUntilReceiving(
        net, "c", m -> !(m instanceof InstallSnapshotRequest r && r.offset() == CHUNK));
    assertThat(net.node("c").snapshot).as("the second chunk was lost").isNull();

    heartbeats(net, "a", 4);
    assertThat(net.node("c").snapshot).isEqualTo(net.core("a").snapshot());
    assertThat(chunksTo(net, "c").stream().filter(m -> m.offset() == CHUNK)).hasSize(2);
  }

  @Test
  void installKeepsTheLogSuffixThatContinuesTheSnapshot() {
    CoreNetwork net = network("a", "b", "c");
    CoreNetwork.Node b = net.node("b");
    for (int i = 1; i <= 8; i++) {
      b.stored.add(entry(i, 1));
    }
    net.restart("b");
    SnapshotMeta meta = new SnapshotMeta(5, 1, net.core("b").configuration(), 10);

    net.handle(
        "b",
        new RaftEvent.MessageReceived(
            new InstallSnapshotRequest("a", "b", 1, meta, CHECKSUM, 0, DATA)));

    assertThat(b.restoredFrom).isEqualTo(meta);
    assertThat(b.core.commitIndex()).isEqualTo(5);
    assertThat(b.core.log().firstIndex()).isEqualTo(6);
    assertThat(b.core.log().lastIndex()).isEqualTo(8);
    assertThat(b.stored)
        .as("kept in the store back to the previous snapshot (none)")
        .extracting(LogEntry::index)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    assertThat(net.sent(InstallSnapshotResponse.class))
        .last()
        .satisfies(r -> assertThat(r.nextOffset()).isEqualTo(10));

    // A stale AppendEntries from before the install must not truncate or re-add its prefix.
    net.handle(
        "b",
        new RaftEvent.MessageReceived(
            new AppendEntriesRequest("a", "b", 1, 2, 1, List.of(entry(3, 1)), 0, 1)));
    assertThat(b.core.log().firstIndex()).isEqualTo(6);
    assertThat(b.core.log().lastIndex()).isEqualTo(8);
    assertThat(b.core.commitIndex()).isEqualTo(5);
  }

  @Test
  void installDiscardsALogThatContradictsTheSnapshot() {
    CoreNetwork net = network("a", "b", "c");
    CoreNetwork.Node b = net.node("b");
    for (int i = 1; i <= 8; i++) {
      b.stored.add(entry(i, 1));
    }
    net.restart("b");
    SnapshotMeta meta = new SnapshotMeta(5, 2, net.core("b").configuration(), 10);

    net.handle(
        "b",
        new RaftEvent.MessageReceived(
            new InstallSnapshotRequest("a", "b", 2, meta, CHECKSUM, 0, DATA)));

    assertThat(b.core.log().firstIndex()).isEqualTo(6);
    assertThat(b.core.log().lastIndex()).isEqualTo(5);
    assertThat(b.core.log().lastTerm()).isEqualTo(2);
    assertThat(b.stored).isEmpty();
    assertThat(b.storedOffset).isEqualTo(5);
  }

  @Test
  void aChunkThatDoesNotStartATransferAsksForTheStart() {
    CoreNetwork net = network("a", "b", "c");
    SnapshotMeta meta = new SnapshotMeta(5, 1, net.core("b").configuration(), 3 * CHUNK);

    net.handle(
        "b",
        new RaftEvent.MessageReceived(
            new InstallSnapshotRequest("a", "b", 1, meta, 0, CHUNK, new byte[CHUNK])));

    assertThat(net.node("b").receiving).isNull();
    assertThat(net.sent(InstallSnapshotResponse.class))
        .singleElement()
        .satisfies(r -> assertThat(r.nextOffset()).isZero());
  }

  @Test
  void aStaleLeadersChunkIsRefusedWithTheNewTerm() {
    CoreNetwork net = network("a", "b", "c");
    net.elect("b");
    long term = net.core("b").term();
    SnapshotMeta meta = new SnapshotMeta(1, 1, net.core("b").configuration(), 10);

    net.handle(
        "c",
        new RaftEvent.MessageReceived(
            new InstallSnapshotRequest("a", "c", term - 1, meta, 0, 0, new byte[10])));

    assertThat(net.node("c").receiving).isNull();
    assertThat(net.sent(InstallSnapshotResponse.class))
        .last()
        .satisfies(
            r -> {
              assertThat(r.success()).isFalse();
              assertThat(r.term()).isEqualTo(term);
            });
  }

  @Test
  void whenTheLeaderDiesMidTransferTheFollowerCompletesFromTheNewLeader() {
    CoreNetwork net = network("a", "b", "c");
    net.elect("a");
    net.isolate("c");
    commit(net, 10);
    net.takeSnapshot("a", 100);
    net.takeSnapshot("b", 100);
    commit(net, 2);
    net.takeSnapshot("a", 3 * CHUNK);
    SnapshotMeta fromB = net.takeSnapshot("b", 2 * CHUNK);
    net.heal();

    deliverUntilReceiving(
        net, "c", m -> !(m instanceof InstallSnapshotRequest r && r.offset() > 0));
    assertThat(net.node("c").receiving).as("c got the first chunk only").isNotNull();
    assertThat(net.node("c").snapshot).isNull();

    net.isolate("a");
    net.tick("c", 2 * CoreNetwork.ELECTION_TICKS); // c stops counting on a's leadership
    net.deliverAll();
    net.node("c").actions.clear();
    net.elect("b");
    assertThat(net.node("c").actions)
        .as("a's chunks, which nothing will finish now, are discarded")
        .containsOnlyOnce(new Action.DiscardSnapshotChunks());
    heartbeats(net, "b", 4);

    assertThat(net.node("c").snapshot).isEqualTo(fromB);
    assertThat(net.node("c").snapshotData).isEqualTo(net.node("b").snapshotData);
    assertThat(net.core("c").commitIndex()).isEqualTo(net.core("b").commitIndex());
  }

  @Test
  void aRestartedNodeResumesFromItsSnapshotAndCompactedLog() {
    CoreNetwork net = network("a", "b", "c");
    net.elect("a");
    commit(net, 10);
    SnapshotMeta meta = net.takeSnapshot("a", 100);
    commit(net, 2);

    for (String id : List.of("a", "b", "c")) {
      net.restart(id); // the whole cluster, so that no follower still follows the old leader
    }

    RaftCore a = net.core("a");
    assertThat(a.snapshot()).isEqualTo(meta);
    assertThat(a.commitIndex()).isEqualTo(meta.index());
    assertThat(a.log().firstIndex()).isEqualTo(meta.index() + 1);
    assertThat(a.log().lastIndex()).isEqualTo(net.core("b").log().lastIndex());
    net.elect("a");
    commit(net, 1);
    assertThat(a.commitIndex()).isEqualTo(a.log().lastIndex());
    assertThat(net.core("c").commitIndex()).isEqualTo(a.commitIndex());
  }
}
