package io.reactiveraft.snapshot;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A snapshot of a {@link FileSnapshotStore} being written to its temporary file: the header at
 * once, the data as it comes, the trailer and the rename on commit.
 */
final class FileSnapshotSink implements SnapshotSink {

  private enum State {
    WRITING,
    COMMITTED,
    DISCARDED
  }

  private final FileSnapshotStore store;
  private final Path temp;
  private final FileChannel channel;
  private final CRC32C crc;
  private final ChecksummedChannelOutput out;
  private final long index;
  private final long term;
  private final ClusterConfiguration configuration;
  private State state = State.WRITING;

  private FileSnapshotSink(
      FileSnapshotStore store,
      Path temp,
      FileChannel channel,
      CRC32C crc,
      long index,
      long term,
      ClusterConfiguration configuration) {
    this.store = store;
    this.temp = temp;
    this.channel = channel;
    this.crc = crc;
    this.out = new ChecksummedChannelOutput(channel, crc);
    this.index = index;
    this.term = term;
    this.configuration = configuration;
  }

  /**
   * Opens {@code temp}, an empty file the store created, and writes the header.
   *
   * @throws IOException when the header cannot be written; the file is deleted
   */
  static FileSnapshotSink start(
      FileSnapshotStore store, Path temp, long index, long term, ClusterConfiguration configuration)
      throws IOException {
    FileChannel channel = null;
    try {
      channel = FileChannel.open(temp, StandardOpenOption.WRITE);
      ByteBuffer header = SnapshotFileFormat.encodeHeader(index, term, configuration);
      CRC32C crc = new CRC32C();
      crc.update(header.duplicate());
      while (header.hasRemaining()) {
        channel.write(header);
      }
      return new FileSnapshotSink(store, temp, channel, crc, index, term, configuration);
    } catch (IOException | RuntimeException e) {
      closeAndDelete(channel, temp, e);
      throw e;
    }
  }

  @Override
  public OutputStream out() {
    return out;
  }

  @Override
  public SnapshotMeta commit() throws IOException {
    if (state != State.WRITING) {
      throw new IllegalStateException(
          "snapshot " + index + "@" + term + " was already " + state.name().toLowerCase());
    }
    try {
      out.close();
      long size = out.count();
      SnapshotMeta meta = new SnapshotMeta(index, term, configuration, size);
      ByteBuffer trailer = SnapshotFileFormat.encodeTrailer(size, crc);
      while (trailer.hasRemaining()) {
        channel.write(trailer);
      }
      // Data before name: the rename must never expose a file whose blocks are not on disk.
      channel.force(true);
      channel.close();
      store.publish(temp, index);
      state = State.COMMITTED;
      return meta;
    } catch (IOException | RuntimeException e) {
      discard(e);
      throw e;
    }
  }

  @Override
  public void close() {
    if (state == State.WRITING) {
      discard(null);
    }
  }

  private void discard(Exception cause) {
    state = State.DISCARDED;
    out.abandon();
    closeAndDelete(channel, temp, cause);
    store.forget(temp);
  }

  private static void closeAndDelete(FileChannel channel, Path temp, Exception cause) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        suppress(cause, e);
      }
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // Nothing lists a temporary file, and the store deletes it when it next opens or retains.
      suppress(cause, e);
    }
  }

  private static void suppress(Exception cause, IOException e) {
    if (cause != null) {
      cause.addSuppressed(e);
    }
  }
}
