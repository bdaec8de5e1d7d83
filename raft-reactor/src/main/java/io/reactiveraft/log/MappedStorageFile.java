package io.reactiveraft.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * A file mapped whole with {@code FileChannel.map}: writes are memory copies into the OS page
 * cache, {@link #force} is {@code msync} of the range.
 *
 * <p>Only absolute accessors are used, so the shared buffer's position is never touched and
 * concurrent readers and the writer need no lock between them. The file is never truncated while
 * mapped (that turns the next access into a SIGBUS); its blocks were allocated by writing zeros
 * before it was mapped, so a write here never needs new disk space.
 */
final class MappedStorageFile implements StorageFile {

  private final String name;
  private final MappedByteBuffer buffer;
  private final MappedLogOptions.ForceHook forceHook;

  MappedStorageFile(String name, MappedByteBuffer buffer, MappedLogOptions.ForceHook forceHook) {
    this.name = name;
    this.buffer = buffer;
    this.forceHook = forceHook;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return buffer.capacity();
  }

  @Override
  public void write(int offset, ByteBuffer src) {
    buffer.put(offset, src, src.position(), src.remaining());
  }

  @Override
  public void read(int offset, byte[] dst, int dstOffset, int length) {
    buffer.get(offset, dst, dstOffset, length);
  }

  @Override
  public void force(int offset, int length) {
    if (length <= 0) {
      return;
    }
    try {
      forceHook.beforeForce(name);
    } catch (IOException e) {
      throw new UncheckedIOException("force of " + name + " failed", e);
    }
    // Throws UncheckedIOException when msync reports an error.
    buffer.force(offset, length);
  }

  @Override
  public StorageFile renamed(String newName) {
    return new MappedStorageFile(newName, buffer, forceHook);
  }

  @Override
  public void close() {
    Unmapper.unmap(buffer);
  }
}
