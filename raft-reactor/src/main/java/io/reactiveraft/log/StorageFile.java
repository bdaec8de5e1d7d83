package io.reactiveraft.log;

import java.nio.ByteBuffer;

/**
 * The bytes of one file of a log directory as the store sees them. Writes land in a cache (the OS
 * page cache, for a memory-mapped file) and become durable only when {@link #force} returns; until
 * then a crash may keep any subset of the written pages, in any order.
 *
 * <p>This seam exists so that tests can model exactly that (a page cache that loses an arbitrary
 * set of dirty pages); production uses {@link MappedStorageFile}. Offsets and sizes are {@code int}
 * because one mapping is limited to 2 GiB.
 *
 * <p>Threading: concurrent calls on disjoint ranges are allowed; callers order their accesses to
 * the same range (the store publishes written ranges to readers through a volatile counter).
 */
interface StorageFile {

  /** The file's name inside its directory. */
  String name();

  /** The file's size in bytes; fixed when it was created. */
  int size();

  /**
   * Copies {@code src}'s remaining bytes to {@code offset}, leaving {@code src}'s position alone.
   * The bytes are visible to {@link #read} at once and durable only after a {@link #force} that
   * covers them.
   *
   * @throws java.io.UncheckedIOException when the storage refuses the write
   */
  void write(int offset, ByteBuffer src);

  /** Copies {@code length} bytes at {@code offset} into {@code dst}. */
  void read(int offset, byte[] dst, int dstOffset, int length);

  /**
   * Returns once {@code [offset, offset + length)} is durable.
   *
   * @throws java.io.UncheckedIOException when the OS reports a failure; the caller must then assume
   *     that any write since the last successful force may be lost, and must never retry and report
   *     success (see Rebello et al., "Can applications recover from fsync failures?", ATC 2020)
   */
  void force(int offset, int length);

  /**
   * The same open file (the same mapping) under the name it was renamed to; only one of the two
   * handles may be used and closed afterwards.
   */
  StorageFile renamed(String newName);

  /** Releases the file (unmaps it). No other method may be called afterwards. */
  void close();
}
