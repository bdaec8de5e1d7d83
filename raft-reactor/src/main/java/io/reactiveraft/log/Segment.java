package io.reactiveraft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * One preallocated segment file, named by the index of its first entry, holding records back to
 * back after a 32-byte header:
 *
 * <pre>
 *   0  int   magic "RRLG"
 *   4  int   format version (1)
 *   8  long  first index
 *  16  ...   zero
 *  28  int   CRC32C of bytes 0..27
 * </pre>
 *
 * <p>Lifecycle and threads: the event loop creates the object when it plans the segment; the IO
 * thread allocates its file ({@link #allocate}), writes and forces it; any thread may {@link #read}
 * what the IO thread has published as written. The mapping is released when the segment is retired
 * and the last reader has left (reference count), so no access can ever touch an unmapped buffer.
 */
final class Segment {

  static final int HEADER_SIZE = 32;
  static final String SUFFIX = ".log";

  private static final int MAGIC = 0x474c5252; // "RRLG" read little-endian
  private static final int VERSION = 1;

  private final long firstIndex;
  private final int capacity;
  private final String fileName;

  /** Set once by the IO thread (or recovery); readers see it through the store's seq counter. */
  private volatile StorageFile file;

  /** 1 for the owner (the store) plus one per reader inside {@link #read}; 0 means unmapped. */
  private final AtomicInteger references = new AtomicInteger(1);

  private final AtomicBoolean retired = new AtomicBoolean();

  // IO thread only (or recovery, before the IO thread starts):
  private int writePosition = HEADER_SIZE;
  private int dirtyFrom = Integer.MAX_VALUE;
  private int dirtyTo;

  /** A segment planned but not yet allocated. */
  Segment(long firstIndex, int capacity) {
    this.firstIndex = firstIndex;
    this.capacity = capacity;
    this.fileName = fileName(firstIndex);
  }

  private Segment(long firstIndex, StorageFile file) {
    this.firstIndex = firstIndex;
    this.capacity = file.size();
    this.fileName = file.name();
    this.file = file;
  }

  /** {@code 00000000000000000001.log}: zero-padded so that names sort like indexes. */
  static String fileName(long firstIndex) {
    return String.format("%020d%s", firstIndex, SUFFIX);
  }

  /** The first index a segment file name stands for, or -1 when it is not a segment name. */
  static long parseFirstIndex(String name) {
    if (name.length() != 20 + SUFFIX.length() || !name.endsWith(SUFFIX)) {
      return -1;
    }
    for (int i = 0; i < 20; i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return -1;
      }
    }
    long index = Long.parseLong(name.substring(0, 20));
    return index >= 1 ? index : -1;
  }

  /** Opens an existing segment file; recovery checks its header. */
  static Segment open(StorageDirectory dir, String name, long firstIndex) throws IOException {
    return new Segment(firstIndex, dir.open(name));
  }

  long firstIndex() {
    return firstIndex;
  }

  int capacity() {
    return capacity;
  }

  String fileName() {
    return fileName;
  }

  boolean allocated() {
    return file != null;
  }

  /**
   * Creates the file with its header, durably (see {@link StorageDirectory#createDurably}), from
   * {@code spare} when it has one ready: a segment under its real name is always fully allocated,
   * so recovery can treat a leftover temporary file as garbage. IO thread.
   */
  void allocate(StorageDirectory dir, SpareSegment spare) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(MAGIC).putInt(VERSION).putLong(firstIndex);
    CRC32C crc = new CRC32C();
    crc.update(header.array(), 0, HEADER_SIZE - 4);
    header.putInt(HEADER_SIZE - 4, (int) crc.getValue());
    header.clear();
    StorageFile prepared = spare.take(fileName, header);
    file = prepared != null ? prepared : dir.createDurably(fileName, capacity, header);
  }

  /** Why the header is not a valid header of this segment, or null when it is. */
  String checkHeader() {
    if (capacity < HEADER_SIZE) {
      return "file of " + capacity + " bytes is too short for a segment header";
    }
    byte[] bytes = new byte[HEADER_SIZE];
    file.read(0, bytes, 0, HEADER_SIZE);
    ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, HEADER_SIZE - 4);
    if (header.getInt(HEADER_SIZE - 4) != (int) crc.getValue()) {
      return "segment header checksum mismatch";
    }
    if (header.getInt(0) != MAGIC) {
      return "not a log segment (bad magic)";
    }
    if (header.getInt(4) != VERSION) {
      return "unsupported segment format version " + header.getInt(4);
    }
    if (header.getLong(8) != firstIndex) {
      return "header says the segment starts at index "
          + header.getLong(8)
          + ", its name says "
          + firstIndex;
    }
    return null;
  }

  // ------------------------------------------------------------------ IO thread

  int writePosition() {
    return writePosition;
  }

  /** Where the next record goes; set by recovery and by truncation. */
  void writePosition(int position) {
    this.writePosition = position;
  }

  /** Copies {@code records} at the write position and advances it. */
  void append(ByteBuffer records) {
    int length = records.remaining();
    file.write(writePosition, records);
    markDirty(writePosition, writePosition + length);
    writePosition += length;
  }

  /** Overwrites {@code [from, to)} with zeros, in the page cache; a force makes it durable. */
  void zero(int from, int to) {
    ByteBuffer zeros = ByteBuffer.allocate(Math.min(to - from, 1 << 16));
    for (int at = from; at < to; at += zeros.capacity()) {
      zeros.clear().limit(Math.min(zeros.capacity(), to - at));
      file.write(at, zeros);
    }
    markDirty(from, to);
  }

  boolean dirty() {
    return dirtyTo > dirtyFrom;
  }

  /** Forces every range written since the last force. */
  void forceDirty() {
    if (dirty()) {
      file.force(dirtyFrom, dirtyTo - dirtyFrom);
      dirtyFrom = Integer.MAX_VALUE;
      dirtyTo = 0;
    }
  }

  /** Forces {@code [from, to)} regardless of what was written. Recovery. */
  void force(int from, int to) {
    file.force(from, to - from);
  }

  private void markDirty(int from, int to) {
    dirtyFrom = Math.min(dirtyFrom, from);
    dirtyTo = Math.max(dirtyTo, to);
  }

  // ------------------------------------------------------------------ any thread

  /**
   * Copies {@code length} bytes at {@code offset}, holding a reference so that the mapping cannot
   * be released meanwhile.
   *
   * @throws IllegalStateException when the segment was released
   */
  void read(int offset, byte[] dst, int dstOffset, int length) {
    if (!retain()) {
      throw new IllegalStateException("segment " + fileName + " is closed");
    }
    try {
      file.read(offset, dst, dstOffset, length);
    } finally {
      release();
    }
  }

  /**
   * Gives up the owner's reference: the mapping is released now, or when the last reader leaves.
   * Idempotent.
   */
  void retire() {
    if (retired.compareAndSet(false, true)) {
      release();
    }
  }

  private boolean retain() {
    while (true) {
      int n = references.get();
      if (n == 0) {
        return false;
      }
      if (references.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  private void release() {
    if (references.decrementAndGet() == 0 && file != null) {
      file.close();
    }
  }

  @Override
  public String toString() {
    return fileName;
  }
}
