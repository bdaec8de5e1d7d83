package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.log.InMemoryLogStore;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.snapshot.FileSnapshotStore;
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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

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
    RaftConfig<String, String> config =
        RaftConfig.<String, String>builder()
            .members(members)
            .self("n1")
            .transport(new LocalNetwork(Schedulers.immediate(), 1).transport("n1"))
            .logStore(new InMemoryLogStore())
            .stateMachine(new RecordingStateMachine())
            .codec(new StringCodec())
            .snapshotStore(store)
            .build();
    Scheduler.Worker inline = Schedulers.immediate().createWorker();
    return new Snapshotter<>(config, new SessionTable<>(60_000), inline, inline, 0, event -> {});
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
      snapshotter.sendChunk("n2", 1, older, offset, 1024, sent::add); // one follower on the older
      snapshotter.sendChunk("n3", 1, newer, offset, 1024, sent::add); // another on the newer
    }
    assertThat(sent).hasSize(8);
    assertThat(store.opens).as("each of the two read whole once").isEqualTo(2);
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

    snapshotter.sendChunk("n2", 1, damaged, 0, 1024, sent::add);
    snapshotter.sendChunk("n2", 1, damaged, 0, 1024, sent::add); // the stall timer asks again
    assertThat(sent).as("no chunk of a snapshot whose checksum fails").isEmpty();

    snapshotter.sendChunk("n2", 1, intact, 0, 1024, sent::add);
    snapshotter.sendChunk("n2", 1, intact, 1024, 1024, sent::add);
    assertThat(sent)
        .extracting(m -> ((InstallSnapshotRequest) m).offset())
        .containsExactly(0L, 1024L);
  }
}
