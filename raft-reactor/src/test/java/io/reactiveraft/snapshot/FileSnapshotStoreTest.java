package io.reactiveraft.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract against the file store, then its files: crashes, damage, size and errors. */
class FileSnapshotStoreTest extends SnapshotStoreContract {

  @TempDir Path dir;

  @Override
  SnapshotStore newStore() {
    return FileSnapshotStore.open(dir.resolve("snapshots"));
  }

  @Override
  SnapshotStore reopen() {
    return FileSnapshotStore.open(dir.resolve("snapshots"));
  }

  private Path snapshots() {
    return dir.resolve("snapshots");
  }

  private List<String> fileNames() throws IOException {
    try (Stream<Path> files = Files.list(snapshots())) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private Path fileOf(SnapshotMeta meta) {
    return snapshots().resolve(SnapshotFileFormat.fileName(meta.index()));
  }

  @Test
  void theDirectoryIsCreatedAndFilesAreNamedByIndex() throws IOException {
    Path nested = dir.resolve("a/b/c");
    FileSnapshotStore nestedStore = FileSnapshotStore.open(nested);
    assertThat(nested).isDirectory();
    assertThat(nestedStore.directory()).isEqualTo(nested.toAbsolutePath());

    write(store, 5, 1, data(10, 5));
    write(store, 123_456_789_012L, 9, data(10, 6));
    assertThat(fileNames())
        .containsExactly(
            "snapshot-00000000000000000005.snap", "snapshot-00000000123456789012.snap");
  }

  @Test
  void aCrashWhileWritingLeavesATemporaryFileThatReopeningDeletes() throws IOException {
    write(store, 1, 1, data(100, 1));
    SnapshotSink abandoned = store.create(2, 1, CONFIG);
    abandoned.out().write(data(200_000, 2));
    abandoned.out().flush();
    assertThat(fileNames()).hasSize(2).anyMatch(n -> n.endsWith(".tmp"));

    // The crashed process never commits nor closes; a new store opens the directory.
    SnapshotStore restarted = reopen();
    assertThat(indexes(restarted)).containsExactly(1L);
    assertThat(fileNames()).containsExactly("snapshot-00000000000000000001.snap");

    abandoned.close(); // releases the file handle; the file is already gone
    assertThat(fileNames()).containsExactly("snapshot-00000000000000000001.snap");
  }

  @Test
  void closingWithoutCommitDeletesTheTemporaryFile() throws IOException {
    try (SnapshotSink sink = store.create(3, 1, CONFIG)) {
      sink.out().write(data(1000, 3));
      assertThat(fileNames()).hasSize(1);
    }
    assertThat(fileNames()).isEmpty();
  }

  @Test
  void retentionDeletesLeftoversButNotOtherComponentsFiles() throws IOException {
    write(store, 1, 1, data(100, 1));
    Files.write(snapshots().resolve("snapshot-00000000000000000002-123.tmp"), new byte[10]);
    Files.write(snapshots().resolve("meta.tmp"), new byte[10]);
    Files.write(snapshots().resolve("00000000000000000001.log"), new byte[10]);

    store.retainNewest(1);

    assertThat(fileNames())
        .containsExactly(
            "00000000000000000001.log", "meta.tmp", "snapshot-00000000000000000001.snap");
  }

  @Test
  void aTruncatedFileIsNotListed() throws IOException {
    SnapshotMeta whole = write(store, 1, 1, data(10_000, 1));
    SnapshotMeta cut = write(store, 2, 1, data(10_000, 2));
    SnapshotMeta cutInHeader = write(store, 3, 1, data(10_000, 3));
    truncate(fileOf(cut), Files.size(fileOf(cut)) - 1);
    truncate(fileOf(cutInHeader), 20);

    assertThat(store.list()).containsExactly(whole);
    assertThat(reopen().list()).containsExactly(whole);
    assertThatThrownBy(() -> store.open(cut)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> store.read(cut, 0, 10)).isInstanceOf(IOException.class);
  }

  @Test
  void aFileWithADamagedHeaderIsNotListed() throws IOException {
    SnapshotMeta badMagic = write(store, 1, 1, data(1000, 1));
    SnapshotMeta badTerm = write(store, 2, 1, data(1000, 2));
    SnapshotMeta good = write(store, 3, 1, data(1000, 3));
    flipByte(fileOf(badMagic), 0);
    flipByte(fileOf(badTerm), 23); // low byte of the term: only the header CRC can tell
    Files.write(snapshots().resolve("snapshot-00000000000000000004.snap"), new byte[100]);

    assertThat(store.list()).containsExactly(good);
  }

  @Test
  void retentionCountsIntactSnapshotsAndDeletesDamagedOnesBelowThem() throws IOException {
    SnapshotMeta damagedOld = write(store, 1, 1, data(1000, 1));
    write(store, 2, 1, data(1000, 2));
    write(store, 3, 1, data(1000, 3));
    SnapshotMeta damagedNew = write(store, 4, 1, data(1000, 4));
    truncate(fileOf(damagedOld), 100);
    truncate(fileOf(damagedNew), 100);

    store.retainNewest(1);

    assertThat(indexes(store)).containsExactly(3L);
    assertThat(fileNames())
        .containsExactly(
            "snapshot-00000000000000000003.snap", "snapshot-00000000000000000004.snap");
  }

  @Test
  void aFlippedDataByteFailsTheStreamAtItsEnd() throws IOException {
    byte[] data = data(200_000, 1);
    SnapshotMeta meta = write(store, 1, 1, data);
    long dataStart = Files.size(fileOf(meta)) - SnapshotFileFormat.TRAILER - data.length;
    flipByte(fileOf(meta), dataStart + 150_000);

    assertThat(store.list()).as("listing reads no data").containsExactly(meta);
    try (InputStream in = store.open(meta)) {
      byte[] before = in.readNBytes(data.length);
      assertThat(before).hasSize(data.length);
      assertThat(before[150_000]).isNotEqualTo(data[150_000]);
      assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("CRC32C");
      assertThatThrownBy(in::read).as("and stays failed").isInstanceOf(IOException.class);
    }
    try (InputStream in = store.open(meta)) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
    }
  }

  @Test
  void aFlippedTrailerByteFailsTheStream() throws IOException {
    SnapshotMeta meta = write(store, 1, 1, data(1000, 1));
    flipByte(fileOf(meta), Files.size(fileOf(meta)) - 1);

    try (InputStream in = store.open(meta)) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
    }
  }

  @Test
  void aSnapshotOf64MiBStreamsThroughAndChecksOut() throws IOException {
    int size = 64 * 1024 * 1024;
    byte[] chunk = new byte[1024 * 1024];
    CRC32 written = new CRC32();
    SnapshotMeta meta;
    try (SnapshotSink sink = store.create(1000, 3, CONFIG)) {
      for (int offset = 0; offset < size; offset += chunk.length) {
        fill(chunk, offset);
        sink.out().write(chunk);
        written.update(chunk);
      }
      meta = sink.commit();
    }
    assertThat(meta.size()).isEqualTo(size);

    CRC32 read = new CRC32();
    long total = 0;
    byte[] buffer = new byte[100_000];
    try (InputStream in = store.open(meta)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        read.update(buffer, 0, n);
        total += n;
      }
    }
    assertThat(total).isEqualTo(size);
    assertThat(read.getValue()).isEqualTo(written.getValue());
    assertThat(store.read(meta, size - 10, 100)).hasSize(10);
  }

  @Test
  void aPathThatIsARegularFileIsAClearError() throws IOException {
    Path file = Files.write(dir.resolve("not-a-directory"), new byte[1]);
    assertThatThrownBy(() -> FileSnapshotStore.open(file))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("not a directory");

    Path below = file.resolve("snapshots");
    assertThatThrownBy(() -> FileSnapshotStore.open(below))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(below.toAbsolutePath().toString());
  }

  /** A pattern cheap to regenerate, different in every 4-byte word of the file. */
  private static void fill(byte[] chunk, int offset) {
    ByteBuffer words = ByteBuffer.wrap(chunk);
    for (int i = 0; i < chunk.length; i += 4) {
      words.putInt((offset + i) * 0x9E3779B1);
    }
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(size);
    }
  }

  private static void flipByte(Path file, long position) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, position);
      one.put(0, (byte) ~one.get(0));
      channel.write(one.rewind(), position);
    }
  }
}
