package io.reactiveraft.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * A buffered stream appending to a file channel, feeding every byte it writes to a CRC32C and
 * counting them. Closing it flushes but leaves the channel open: the sink still has to write the
 * trailer, and closing the stream must not commit.
 */
final class ChecksummedChannelOutput extends OutputStream {

  static final int BUFFER_SIZE = 64 * 1024;

  private final FileChannel channel;
  private final CRC32C crc;
  private final byte[] buffer = new byte[BUFFER_SIZE];
  private int buffered;
  private long written;
  private boolean closed;

  /**
   * @param channel positioned where the data starts
   * @param crc already fed with the header
   */
  ChecksummedChannelOutput(FileChannel channel, CRC32C crc) {
    this.channel = channel;
    this.crc = crc;
  }

  /** Bytes accepted so far, buffered or not. */
  long count() {
    return written + buffered;
  }

  @Override
  public void write(int b) throws IOException {
    ensureOpen();
    if (buffered == buffer.length) {
      drain();
    }
    buffer[buffered++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    Objects.checkFromIndexSize(off, len, b.length);
    if (len >= buffer.length) {
      // Large writes go straight to the channel rather than through the buffer in pieces.
      drain();
      writeThrough(b, off, len);
      return;
    }
    if (len > buffer.length - buffered) {
      drain();
    }
    System.arraycopy(b, off, buffer, buffered, len);
    buffered += len;
  }

  @Override
  public void flush() throws IOException {
    if (!closed) {
      drain();
    }
  }

  /** Flushes and refuses further writes; the channel stays open. Idempotent. */
  @Override
  public void close() throws IOException {
    if (!closed) {
      drain();
      closed = true;
    }
  }

  /** Refuses further writes without flushing: the snapshot is being discarded. */
  void abandon() {
    closed = true;
    buffered = 0;
  }

  private void drain() throws IOException {
    if (buffered > 0) {
      int n = buffered;
      buffered = 0;
      writeThrough(buffer, 0, n);
    }
  }

  private void writeThrough(byte[] b, int off, int len) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(b, off, len);
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
    crc.update(b, off, len);
    written += len;
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("snapshot stream is closed");
    }
  }
}
