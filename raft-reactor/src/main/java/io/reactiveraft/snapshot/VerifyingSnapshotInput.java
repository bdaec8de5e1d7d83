package io.reactiveraft.snapshot;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The data of a snapshot file, read with positional reads through a small buffer, so a snapshot of
 * any size streams in constant memory. Every byte feeds a CRC32C that started with the header; at
 * the end of the data the trailer is read and checked, and a mismatch is an {@link IOException}
 * instead of end of stream.
 */
final class VerifyingSnapshotInput extends InputStream {

  private static final int BUFFER_SIZE = 64 * 1024;

  private final FileChannel channel;
  private final Path path;
  private final CRC32C crc = new CRC32C();
  private final long dataEnd;
  private final ByteBuffer buffer;
  private long position;
  private boolean verified;
  private IOException failure;

  /**
   * @param channel open on the file; this stream closes it
   * @param described the file's parsed header and trailer
   */
  VerifyingSnapshotInput(FileChannel channel, Path path, SnapshotFileFormat.Described described) {
    this.channel = channel;
    this.path = path;
    this.crc.update(described.header());
    this.position = described.dataStart();
    this.dataEnd = described.dataStart() + described.meta().size();
    this.buffer =
        ByteBuffer.allocate((int) Math.max(1, Math.min(BUFFER_SIZE, described.meta().size())));
    buffer.limit(0);
  }

  @Override
  public int read() throws IOException {
    if (!buffer.hasRemaining() && !fill()) {
      return -1;
    }
    return buffer.get() & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!buffer.hasRemaining() && !fill()) {
      return -1;
    }
    int n = Math.min(len, buffer.remaining());
    buffer.get(b, off, n);
    return n;
  }

  @Override
  public int available() {
    return buffer.remaining();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** Refills the empty buffer; false at the end of a verified snapshot. */
  private boolean fill() throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (position == dataEnd) {
      verify();
      return false;
    }
    buffer.clear();
    buffer.limit((int) Math.min(buffer.capacity(), dataEnd - position));
    int n = channel.read(buffer, position);
    if (n < 0) {
      failure = new EOFException(path + " ended at " + position + " inside the snapshot's data");
      throw failure;
    }
    buffer.flip();
    crc.update(buffer.duplicate());
    position += n;
    return true;
  }

  private void verify() throws IOException {
    if (verified) {
      return;
    }
    ByteBuffer trailer =
        SnapshotFileFormat.readFully(channel, dataEnd, SnapshotFileFormat.TRAILER, path);
    crc.update(trailer.array(), 0, 8);
    int stored = trailer.getInt(8);
    if (stored != (int) crc.getValue()) {
      failure =
          new IOException(
              path
                  + " is corrupt: its CRC32C does not match its contents;"
                  + " discard the data read from it");
      throw failure;
    }
    verified = true;
  }
}
