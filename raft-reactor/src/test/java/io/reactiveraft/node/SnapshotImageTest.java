package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import io.reactiveraft.StateMachine;
import io.reactiveraft.snapshot.FileSnapshotStore;
import io.reactiveraft.snapshot.InMemorySnapshotStore;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import io.reactiveraft.testing.StringCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A state machine may close the streams it is given, as a try-with-resources does. */
class SnapshotImageTest {

  @TempDir Path dir;

  /** Keeps one string; writes and reads its image through streams it closes. */
  private static final class ClosingMachine implements StateMachine<String, String> {
    String value;

    @Override
    public String apply(long index, String command) {
      value = command;
      return command;
    }

    @Override
    public Snapshot snapshot() {
      String image = value;
      return out -> {
        try (DataOutputStream data = new DataOutputStream(out)) {
          data.writeUTF(image);
        }
      };
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
      try (DataInputStream data = new DataInputStream(in)) {
        value = data.readUTF();
      }
    }
  }

  private SnapshotStore store(String kind) {
    return kind.equals("file") ? FileSnapshotStore.open(dir) : new InMemorySnapshotStore();
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "memory"})
  void anImageWhoseStreamsTheMachineClosesIsWrittenAndRestored(String kind) throws Exception {
    SnapshotStore store = store(kind);
    ClosingMachine taken = new ClosingMachine();
    taken.apply(1, "the state");
    SessionTable<String> sessions = new SessionTable<>(60_000);
    ClusterConfiguration configuration =
        new ClusterConfiguration(List.of(new Member("n1", "local:n1")), List.of());
    SnapshotMeta meta;
    try (SnapshotSink sink = store.create(1, 1, configuration)) {
      SnapshotImage.write(
          sink.out(), SnapshotImage.encodeSessions(sessions, new StringCodec()), taken.snapshot());
      meta = sink.commit();
    }

    ClosingMachine restored = new ClosingMachine();
    try (InputStream in = store.open(meta)) {
      SnapshotImage.restore(in, new SessionTable<>(60_000), new StringCodec(), restored);
    }
    assertThat(restored.value).isEqualTo("the state");
  }
}
