package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.StateMachine;
import io.reactiveraft.log.InMemoryLogStore;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.snapshot.FileSnapshotStore;
import io.reactiveraft.spi.Codec;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import io.reactiveraft.testing.ForwardingSnapshotStore;
import io.reactiveraft.testing.RecordingStateMachine;
import io.reactiveraft.testing.StringCodec;
import io.reactiveraft.transport.local.LocalNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The leader's side of a transfer: what it sends of the snapshots it holds. */
class SnapshotterTest {

  @TempDir Path dir;

  private final List<Member> members =
      List.of(new Member("n1", "local:n1"), new Member("n2", "local:n2"));

  /** Counts how often a snapshot is opened whole. */
  private static final class CountingStore extends ForwardingSnapshotStore {
    int opens;

    CountingStore(SnapshotStore delegate) {
      super(delegate);
    }

    @Override
    public InputStream open(SnapshotMeta snapshot) throws IOException {
      opens++;
      return super.open(snapshot);
    }
  }

  private Snapshotter<String, String> snapshotter(SnapshotStore store) {
    Scheduler.Worker inline = Schedulers.immediate().createWorker();
    return snapshotter(store, new RecordingStateMachine(), inline, new ArrayList<>());
  }

  /** Member n1 of {@link #members}, in memory, keeping snapshots in {@code store}. */
  private RaftConfig.Builder<String, String> config(
      SnapshotStore store, StateMachine<String, String> machine) {
    return RaftConfig.<String, String>builder()
        .members(members)
        .self("n1")
        .transport(new LocalNetwork(Schedulers.immediate(), 1).transport("n1"))
        .logStore(new InMemoryLogStore())
        .stateMachine(machine)
        .codec(new StringCodec())
        .snapshotStore(store);
  }

  private Snapshotter<String, String> snapshotter(
      SnapshotStore store,
      StateMachine<String, String> machine,
      Scheduler.Worker io,
      List<Throwable> fatal) {
    return snapshotter(store, machine, io, fatal, event -> {});
  }

  private Snapshotter<String, String> snapshotter(
      SnapshotStore store,
      StateMachine<String, String> machine,
      Scheduler.Worker io,
      List<Throwable> fatal,
      java.util.function.Consumer<Object> loop) {
    RaftConfig<String, String> config = config(store, machine).build();
    Scheduler.Worker inline = Schedulers.immediate().createWorker();
    return new Snapshotter<>(config, new SessionTable<>(60_000), io, inline, 0, loop, fatal::add);
  }

  private SnapshotMeta write(FileSnapshotStore store, long index, int size) throws Exception {
    byte[] data = new byte[size];
    new SplittableRandom(index).nextBytes(data);
    try (SnapshotSink sink = store.create(index, 1, new ClusterConfiguration(members, List.of()))) {
      sink.out().write(data);
      return sink.commit();
    }
  }

  @Test
  void eachSnapshotIsReadWholeOnceWhateverTheOrderOfItsChunks() throws Exception {
    CountingStore store = new CountingStore(FileSnapshotStore.open(dir));
    SnapshotMeta older = write(FileSnapshotStore.open(dir), 10, 8 * 1024);
    SnapshotMeta newer = write(FileSnapshotStore.open(dir), 20, 8 * 1024);
    Snapshotter<String, String> snapshotter = snapshotter(store);
    List<RaftMessage> sent = new ArrayList<>();
    for (int offset = 0; offset < 4 * 1024; offset += 1024) {
      snapshotter
          .transfers()
          .sendChunk("n2", 1, older, offset, 1024, false, sent::add); // one follower on the older
      snapshotter
          .transfers()
          .sendChunk("n3", 1, newer, offset, 1024, false, sent::add); // another on the newer
    }
    assertThat(sent).hasSize(8);
    assertThat(store.opens).as("each of the two read whole once").isEqualTo(2);
  }

  @Test
  void aSnapshotThisNodeTookIsSentWithoutReadingItBackWithTheChecksumOfItsData() throws Exception {
    CountingStore store = new CountingStore(FileSnapshotStore.open(dir));
    Snapshotter<String, String> snapshotter = snapshotter(store);
    Sinks.One<Long> done = Sinks.one();
    snapshotter.take(5, 1, new ClusterConfiguration(members, List.of()), done);
    StepVerifier.create(done.asMono()).expectNext(5L).verifyComplete();
    SnapshotMeta meta = store.list().get(0);

    List<RaftMessage> sent = new ArrayList<>();
    snapshotter.transfers().sendChunk("n2", 1, meta, 0, (int) meta.size(), false, sent::add);
    assertThat(store.opens).as("no read of the whole first").isZero();
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(store.read(meta, 0, (int) meta.size()));
    assertThat(sent)
        .singleElement()
        .satisfies(
            m ->
                assertThat(((InstallSnapshotRequest) m).checksum())
                    .isEqualTo((int) crc.getValue()));
  }

  @Test
  void aSnapshotWhoseDataIsDamagedOnTheLeadersDiskIsNotSent() throws Exception {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    SnapshotMeta intact = write(store, 10, 64 * 1024);
    SnapshotMeta damaged = write(store, 20, 64 * 1024);
    Path file;
    try (Stream<Path> files = Files.list(dir)) {
      file = files.filter(p -> p.getFileName().toString().contains("20.snap")).findFirst().get();
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0x55, 0x55}), Files.size(file) / 2);
    }
    Snapshotter<String, String> snapshotter = snapshotter(store);
    List<RaftMessage> sent = new ArrayList<>();

    snapshotter.transfers().sendChunk("n2", 1, damaged, 0, 1024, false, sent::add);
    snapshotter
        .transfers()
        .sendChunk("n2", 1, damaged, 0, 1024, false, sent::add); // the stall timer asks again
    assertThat(sent).as("no chunk of a snapshot whose checksum fails").isEmpty();

    snapshotter.transfers().sendChunk("n2", 1, intact, 0, 1024, false, sent::add);
    snapshotter.transfers().sendChunk("n2", 1, intact, 1024, 1024, false, sent::add);
    assertThat(sent)
        .extracting(m -> ((InstallSnapshotRequest) m).offset())
        .containsExactly(0L, 1024L);
  }

  /** A state machine whose image fails as it is written, with an {@code Error} or otherwise. */
  private static StateMachine<String, String> failingImage(Throwable failure) {
    return new StateMachine<>() {
      @Override
      public String apply(long index, String command) {
        return command;
      }

      @Override
      public Snapshot snapshot() {
        return out -> {
          out.write(1);
          if (failure instanceof Error error) {
            throw error;
          }
          throw (RuntimeException) failure;
        };
      }
    };
  }

  @Test
  void anErrorWritingAnImageStopsTheNodeAndAnswersTheCaller() throws Exception {
    Scheduler io = Schedulers.newSingle("snapshot-io");
    try {
      List<Throwable> fatal = new CopyOnWriteArrayList<>();
      Snapshotter<String, String> snapshotter =
          snapshotter(
              FileSnapshotStore.open(dir),
              failingImage(new StackOverflowError("deep image")),
              io.createWorker(),
              fatal);
      Sinks.One<Long> done = Sinks.one();
      snapshotter.take(5, 1, new ClusterConfiguration(members, List.of()), done);

      StepVerifier.create(done.asMono())
          .expectErrorSatisfies(e -> assertThat(e).hasRootCauseInstanceOf(StackOverflowError.class))
          .verify(Duration.ofSeconds(10));
      assertThat(fatal).singleElement().isInstanceOf(StackOverflowError.class);
    } finally {
      io.dispose();
    }
  }

  @Test
  void aSnapshotThatFailedDoesNotKeepTheNextOneWaiting() throws Exception {
    Scheduler io = Schedulers.newSingle("snapshot-io");
    try {
      List<Throwable> fatal = new CopyOnWriteArrayList<>();
      Snapshotter<String, String> snapshotter =
          snapshotter(
              FileSnapshotStore.open(dir),
              failingImage(new IllegalStateException("image refused")),
              io.createWorker(),
              fatal);
      ClusterConfiguration configuration = new ClusterConfiguration(members, List.of());
      for (long index : new long[] {5, 6}) {
        Sinks.One<Long> done = Sinks.one();
        snapshotter.take(index, 1, configuration, done);
        StepVerifier.create(done.asMono())
            .expectErrorMessage("image refused")
            .verify(Duration.ofSeconds(10));
      }
      assertThat(fatal).as("a RuntimeException fails the snapshot, not the node").isEmpty();
    } finally {
      io.dispose();
    }
  }

  @Test
  void aResultCodecThatRefusesDoesNotTurnSnapshotsOff() throws Exception {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    List<Throwable> fatal = new ArrayList<>();
    RecordingStateMachine machine = new RecordingStateMachine();
    Scheduler.Worker inline = Schedulers.immediate().createWorker();
    RaftConfig<String, String> config =
        config(store, machine).resultCodec(new RefusingOnce()).snapshotThreshold(1).build();
    SessionTable<String> sessions = new SessionTable<>(60_000);
    SessionCommand command = new SessionCommand("client", 1, 0, new byte[0]);
    sessions.admit(command);
    sessions.record(command, new SessionTable.Applied<>("result", null));
    Snapshotter<String, String> snapshotter =
        new Snapshotter<>(config, sessions, inline, inline, 0, event -> {}, fatal::add);
    ClusterConfiguration configuration = new ClusterConfiguration(members, List.of());

    Sinks.One<Long> first = Sinks.one();
    snapshotter.take(5, 1, configuration, first);
    StepVerifier.create(first.asMono())
        .expectError(UnsupportedOperationException.class)
        .verify(Duration.ofSeconds(10));
    snapshotter.applied(6, 1, configuration, 100); // past the threshold: the next one is taken
    assertThat(store.list()).extracting(SnapshotMeta::index).containsExactly(6L);
  }

  /** A result codec that throws {@code UnsupportedOperationException} the first time only. */
  private static final class RefusingOnce implements Codec<String> {
    private final StringCodec codec = new StringCodec();
    private boolean refused;

    @Override
    public byte[] encode(String value) {
      if (!refused) {
        refused = true;
        throw new UnsupportedOperationException("not this one");
      }
      return codec.encode(value);
    }

    @Override
    public String decode(byte[] bytes) {
      return codec.decode(bytes);
    }
  }

  /** Sends {@code meta} from {@code leader} to {@code follower} in chunks, as the cores would. */
  private static void transfer(
      Snapshotter<String, String> leader,
      Snapshotter<String, String> follower,
      SnapshotMeta meta,
      int chunk,
      Runnable afterFirstChunk) {
    for (long offset = 0; offset < meta.size(); offset += chunk) {
      int length = (int) Math.min(chunk, meta.size() - offset);
      List<RaftMessage> sent = new ArrayList<>();
      leader.transfers().sendChunk("n2", 1, meta, offset, length, false, sent::add);
      assertThat(sent).hasSize(1);
      follower.transfers().storeChunk((InstallSnapshotRequest) sent.get(0));
      if (offset == 0) {
        afterFirstChunk.run();
      }
    }
  }

  @Test
  void aSnapshotDamagedAfterTheLeaderCheckedItIsNotKeptByTheFollower() throws Exception {
    Path leaderDir = Files.createDirectory(dir.resolve("leader"));
    Path followerDir = Files.createDirectory(dir.resolve("follower"));
    FileSnapshotStore leaderStore = FileSnapshotStore.open(leaderDir);
    FileSnapshotStore followerStore = FileSnapshotStore.open(followerDir);
    SnapshotMeta intact = write(leaderStore, 10, 64 * 1024);
    SnapshotMeta damaged = write(leaderStore, 20, 64 * 1024);
    Scheduler.Worker inline = Schedulers.immediate().createWorker();
    List<Throwable> fatal = new ArrayList<>();
    Snapshotter<String, String> leader =
        snapshotter(leaderStore, new RecordingStateMachine(), inline, fatal);
    List<Object> events = new ArrayList<>();
    Snapshotter<String, String> follower =
        snapshotter(followerStore, new RecordingStateMachine(), inline, fatal, events::add);

    transfer(leader, follower, intact, 16 * 1024, () -> {});
    assertThat(followerStore.list()).containsExactly(intact);
    assertThat(events).last().isEqualTo(new RaftEvent.SnapshotChunkStored("n1", 1, intact, 65536));

    events.clear();
    Path file = leaderDir.resolve("snapshot-00000000000000000020.snap");
    // Read whole and found intact when the first chunk went; damaged in its last chunk after.
    long position = Files.size(file) - 1000;
    transfer(leader, follower, damaged, 16 * 1024, () -> flipByte(file, position));
    assertThat(followerStore.list()).as("the damaged copy is not kept").containsExactly(intact);
    assertThat(events).last().isEqualTo(new RaftEvent.SnapshotDataDamaged("n1", 1, damaged));
    assertThat(fatal).isEmpty();

    List<RaftMessage> resent = new ArrayList<>();
    leader.transfers().sendChunk("n2", 1, damaged, 0, 16 * 1024, true, resent::add);
    assertThat(resent).as("read again, the leader's copy fails its own checksum").isEmpty();
  }

  private static void flipByte(Path file, long position) {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, position);
      one.put(0, (byte) ~one.get(0)).rewind();
      ch.write(one, position);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aSnapshotBeingSentOutlivesTheHistoryKeptUntilItsTransferGoesQuiet() throws Exception {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    SnapshotMeta sending = write(store, 10, 4096);
    write(store, 20, 4096);
    long[] now = {0};
    Scheduler.Worker inline = Schedulers.immediate().createWorker();
    RaftConfig<String, String> config =
        config(store, new RecordingStateMachine())
            .logHistory(2)
            .monotonicClock(() -> now[0])
            .build();
    Snapshotter<String, String> snapshotter =
        new Snapshotter<>(config, new SessionTable<>(60_000), inline, inline, 0, e -> {}, e -> {});
    ClusterConfiguration configuration = new ClusterConfiguration(members, List.of());
    List<RaftMessage> sent = new ArrayList<>();
    snapshotter.transfers().sendChunk("n2", 1, sending, 0, 1024, false, sent::add);
    assertThat(sent).hasSize(1);

    snapshotter.take(30, 1, configuration, Sinks.one());
    assertThat(store.list())
        .extracting(SnapshotMeta::index)
        .as("kept beyond the history of 2 while a follower receives it")
        .containsExactly(10L, 20L, 30L);

    now[0] += java.util.concurrent.TimeUnit.MINUTES.toNanos(2); // no chunk of it asked since
    snapshotter.take(40, 1, configuration, Sinks.one());
    assertThat(store.list()).extracting(SnapshotMeta::index).containsExactly(30L, 40L);
  }
}
