package io.reactiveraft.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link SnapshotStore} contract, run against each store by a subclass. */
abstract class SnapshotStoreContract {

  static final ClusterConfiguration CONFIG =
      new ClusterConfiguration(
          List.of(new Member("a", "host-a:7000"), new Member("b", "host-b:7000")),
          List.of(new Member("c", "host-c:7000")));

  SnapshotStore store;

  /** A new, empty store; subclasses may reopen the same storage as {@link #reopen()}. */
  abstract SnapshotStore newStore();

  /** The store of {@link #newStore()} as a restarted node would see it. */
  abstract SnapshotStore reopen();

  @BeforeEach
  void createStore() {
    store = newStore();
  }

  static byte[] data(int size, long seed) {
    byte[] bytes = new byte[size];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }

  static SnapshotMeta write(SnapshotStore store, long index, long term, byte[] data)
      throws IOException {
    try (SnapshotSink sink = store.create(index, term, CONFIG)) {
      sink.out().write(data);
      return sink.commit();
    }
  }

  static byte[] readAll(SnapshotStore store, SnapshotMeta meta) throws IOException {
    try (InputStream in = store.open(meta)) {
      return in.readAllBytes();
    }
  }

  static List<Long> indexes(SnapshotStore store) {
    return store.list().stream().map(SnapshotMeta::index).toList();
  }

  @Test
  void aNewStoreListsNothing() {
    assertThat(store.list()).isEmpty();
  }

  @Test
  void aCommittedSnapshotRoundTripsItsDataAndDescription() throws IOException {
    byte[] data = data(300_000, 1);
    SnapshotMeta meta = write(store, 42, 7, data);

    assertThat(meta).isEqualTo(new SnapshotMeta(42, 7, CONFIG, data.length));
    assertThat(store.list()).containsExactly(meta);
    assertThat(readAll(store, meta)).isEqualTo(data);
    assertThat(reopen().list()).containsExactly(meta);
    assertThat(readAll(reopen(), meta)).isEqualTo(data);
  }

  @Test
  void anEmptySnapshotRoundTrips() throws IOException {
    SnapshotMeta meta = write(store, 1, 1, new byte[0]);

    assertThat(meta.size()).isZero();
    assertThat(store.list()).containsExactly(meta);
    assertThat(readAll(store, meta)).isEmpty();
    assertThat(store.read(meta, 0, 10)).isEmpty();
  }

  @Test
  void dataWrittenByteByByteAndReadByteByByteRoundTrips() throws IOException {
    byte[] data = data(70_000, 2);
    SnapshotMeta meta;
    try (SnapshotSink sink = store.create(3, 1, CONFIG)) {
      for (byte b : data) {
        sink.out().write(b);
      }
      meta = sink.commit();
    }
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    try (InputStream in = store.open(meta)) {
      for (int b = in.read(); b >= 0; b = in.read()) {
        copy.write(b);
      }
    }
    assertThat(copy.toByteArray()).isEqualTo(data);
  }

  @Test
  void snapshotsAreListedOldestFirstWhateverTheOrderOfCommits() throws IOException {
    write(store, 30, 3, data(10, 30));
    write(store, 10, 1, data(10, 10));
    write(store, 200, 4, data(10, 200));
    write(store, 20, 2, data(10, 20));

    assertThat(indexes(store)).containsExactly(10L, 20L, 30L, 200L);
    assertThat(store.list()).extracting(SnapshotMeta::term).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void aSnapshotIsInvisibleUntilCommitted() throws IOException {
    write(store, 5, 1, data(100, 5));
    try (SnapshotSink sink = store.create(9, 2, CONFIG)) {
      sink.out().write(data(100_000, 9));
      sink.out().flush();
      assertThat(indexes(store)).containsExactly(5L);

      sink.commit();
      assertThat(indexes(store)).containsExactly(5L, 9L);
    }
  }

  @Test
  void closingWithoutCommitLeavesNothing() throws IOException {
    SnapshotSink sink = store.create(4, 1, CONFIG);
    sink.out().write(data(1000, 4));
    sink.close();
    sink.close();

    assertThat(store.list()).isEmpty();
    assertThat(reopen().list()).isEmpty();
    assertThatThrownBy(sink::commit).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> sink.out().write(1)).isInstanceOf(IOException.class);
  }

  @Test
  void closingTheStreamDoesNotCommitAndCommitStillWorks() throws IOException {
    byte[] data = data(5000, 6);
    try (SnapshotSink sink = store.create(6, 2, CONFIG)) {
      sink.out().write(data);
      sink.out().close();
      assertThat(store.list()).isEmpty();

      SnapshotMeta meta = sink.commit();
      assertThat(readAll(store, meta)).isEqualTo(data);
      assertThatThrownBy(sink::commit).isInstanceOf(IllegalStateException.class);
    }
    assertThat(indexes(store)).as("close after commit keeps it").containsExactly(6L);
  }

  @Test
  void twoSnapshotsCanBeWrittenAtOnce() throws IOException {
    byte[] first = data(80_000, 11);
    byte[] second = data(90_000, 12);
    try (SnapshotSink a = store.create(11, 1, CONFIG);
        SnapshotSink b = store.create(12, 1, CONFIG)) {
      a.out().write(first, 0, 40_000);
      b.out().write(second);
      a.out().write(first, 40_000, 40_000);
      SnapshotMeta mb = b.commit();
      SnapshotMeta ma = a.commit();
      assertThat(readAll(store, ma)).isEqualTo(first);
      assertThat(readAll(store, mb)).isEqualTo(second);
    }
  }

  @Test
  void retainNewestKeepsTheNewestAndDeletesTheRest() throws IOException {
    for (long i = 1; i <= 5; i++) {
      write(store, i * 10, i, data(100, i));
    }
    SnapshotMeta oldest = store.list().get(0);

    store.retainNewest(7);
    assertThat(indexes(store)).containsExactly(10L, 20L, 30L, 40L, 50L);

    store.retainNewest(2);
    assertThat(indexes(store)).containsExactly(40L, 50L);
    assertThat(indexes(reopen())).containsExactly(40L, 50L);
    assertThatThrownBy(() -> store.open(oldest)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> store.read(oldest, 0, 10)).isInstanceOf(IOException.class);

    store.retainNewest(0);
    assertThat(store.list()).isEmpty();
    assertThatThrownBy(() -> store.retainNewest(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSnapshotSetAsideIsNoLongerListedNorCountedByRetention() throws IOException {
    for (long i = 1; i <= 3; i++) {
      write(store, i * 10, i, data(100, i));
    }
    SnapshotMeta newest = store.list().get(2);
    store.setAside(newest);
    assertThat(indexes(store)).containsExactly(10L, 20L);
    assertThat(indexes(reopen())).containsExactly(10L, 20L);

    store.retainNewest(2);
    assertThat(indexes(store)).as("the one set aside did not count").hasSize(2);
    // A later snapshot of the same index is listed as usual.
    write(store, 30, 4, data(100, 4));
    assertThat(indexes(store)).containsExactly(10L, 20L, 30L);
  }

  @Test
  void retainNewestSparesASnapshotBeingWritten() throws IOException {
    write(store, 1, 1, data(10, 1));
    byte[] data = data(200_000, 2);
    try (SnapshotSink sink = store.create(2, 1, CONFIG)) {
      sink.out().write(data, 0, 100_000);
      sink.out().flush();
      store.retainNewest(1);
      sink.out().write(data, 100_000, 100_000);
      SnapshotMeta meta = sink.commit();
      assertThat(readAll(store, meta)).isEqualTo(data);
    }
    store.retainNewest(1);
    assertThat(indexes(store)).containsExactly(2L);
  }

  @Test
  void chunksReadAtSuccessiveOffsetsMakeUpTheData() throws IOException {
    byte[] data = data(100_003, 8);
    SnapshotMeta meta = write(store, 8, 3, data);

    for (int chunk : new int[] {1, 777, 65_536, 100_003, 1_000_000}) {
      ByteArrayOutputStream assembled = new ByteArrayOutputStream();
      long offset = 0;
      while (true) {
        byte[] bytes = store.read(meta, offset, chunk);
        if (bytes.length == 0) {
          break;
        }
        assertThat(bytes.length)
            .as("a short chunk only at the end")
            .isEqualTo((int) Math.min(chunk, data.length - offset));
        assembled.write(bytes);
        offset += bytes.length;
        if (chunk == 1 && offset == 1000) {
          // Byte-sized chunks through the whole snapshot would be slow for nothing.
          assembled.write(data, 1000, data.length - 1000);
          offset = data.length;
        }
      }
      assertThat(assembled.toByteArray()).as("chunks of %d", chunk).isEqualTo(data);
    }
    assertThat(store.read(meta, 100_000, 10))
        .as("fewer at the end")
        .isEqualTo(Arrays.copyOfRange(data, 100_000, 100_003));
  }

  @Test
  void chunksAtAndAfterTheEndAreEmpty() throws IOException {
    byte[] data = data(1000, 9);
    SnapshotMeta meta = write(store, 9, 1, data);

    assertThat(store.read(meta, 990, 100)).isEqualTo(Arrays.copyOfRange(data, 990, 1000));
    assertThat(store.read(meta, 1000, 100)).isEmpty();
    assertThat(store.read(meta, 5000, 100)).isEmpty();
    assertThat(store.read(meta, Long.MAX_VALUE, Integer.MAX_VALUE)).isEmpty();
    assertThat(store.read(meta, 10, 0)).isEmpty();
    assertThatThrownBy(() -> store.read(meta, -1, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.read(meta, 0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void committingAnIndexAgainReplacesIt() throws IOException {
    SnapshotMeta first = write(store, 12, 2, data(5000, 1));
    byte[] replacement = data(7000, 2);
    SnapshotMeta second = write(store, 12, 2, replacement);

    assertThat(store.list()).containsExactly(second);
    assertThat(readAll(store, second)).isEqualTo(replacement);
    assertThat(readAll(reopen(), second)).isEqualTo(replacement);
    assertThatThrownBy(() -> store.open(first))
        .as("the replaced description no longer matches")
        .isInstanceOf(IOException.class);
  }

  @Test
  void aStreamOpenedBeforeAReplacementReadsTheOldSnapshot() throws IOException {
    byte[] old = data(150_000, 1);
    SnapshotMeta first = write(store, 12, 2, old);
    try (InputStream in = store.open(first)) {
      write(store, 12, 2, data(9000, 2));
      store.retainNewest(0);
      assertThat(in.readAllBytes()).isEqualTo(old);
    }
  }

  @Test
  void invalidDescriptionsAreRefused() {
    assertThatThrownBy(() -> store.create(0, 1, CONFIG))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.create(1, 0, CONFIG))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.create(1, 1, null)).isInstanceOf(NullPointerException.class);
  }
}
