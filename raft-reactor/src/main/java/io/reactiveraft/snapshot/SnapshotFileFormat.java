package io.reactiveraft.snapshot;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.core.ConfigurationCodec;
import io.reactiveraft.spi.SnapshotMeta;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Names, header and trailer of a snapshot file; the layout is described in {@link
 * FileSnapshotStore}. Parsing never reads the data, so describing a file costs two small reads
 * whatever its size.
 */
final class SnapshotFileFormat {

  static final String PREFIX = "snapshot-";
  static final String SUFFIX = ".snap";
  static final String TEMP_SUFFIX = ".tmp";

  /** Added to the name of a snapshot set aside as damaged; such a file is never listed. */
  static final String DAMAGED_SUFFIX = ".damaged";

  static final int MAGIC = 0x52525353; // "RRSS"
  static final int VERSION = 1;

  /** Magic, version, index, term and configuration length: the header up to the configuration. */
  static final int FIXED_HEADER = 28;

  /** Data length and CRC32C. */
  static final int TRAILER = 12;

  /** Far above any real configuration; a larger length means the header is garbage. */
  static final int MAX_CONFIGURATION = 1 << 20;

  private static final int INDEX_DIGITS = 20;

  private SnapshotFileFormat() {}

  /** {@code snapshot-<index, 20 digits>.snap}: names sort as indexes do. */
  static String fileName(long index) {
    return PREFIX + String.format("%0" + INDEX_DIGITS + "d", index) + SUFFIX;
  }

  /** The prefix of a temporary file for a snapshot of {@code index}. */
  static String tempPrefix(long index) {
    return PREFIX + String.format("%0" + INDEX_DIGITS + "d", index) + "-";
  }

  static boolean isSnapshotName(String name) {
    return index(name) > 0;
  }

  /** A temporary file of this store, as opposed to another component's in the same directory. */
  static boolean isTempName(String name) {
    return name.startsWith(PREFIX) && name.endsWith(TEMP_SUFFIX);
  }

  /** The index a snapshot file name carries, or -1 when it is not such a name. */
  static long index(String name) {
    if (name.length() != PREFIX.length() + INDEX_DIGITS + SUFFIX.length()
        || !name.startsWith(PREFIX)
        || !name.endsWith(SUFFIX)) {
      return -1;
    }
    String digits = name.substring(PREFIX.length(), PREFIX.length() + INDEX_DIGITS);
    if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1; // more than Long.MAX_VALUE
    }
  }

  /** The header of a new snapshot, ending with its own CRC32C. */
  static ByteBuffer encodeHeader(long index, long term, ClusterConfiguration configuration) {
    byte[] config = ConfigurationCodec.encode(configuration);
    ByteBuffer header = ByteBuffer.allocate(FIXED_HEADER + config.length + 4);
    header.putInt(MAGIC).putInt(VERSION).putLong(index).putLong(term).putInt(config.length);
    header.put(config);
    header.putInt(crc(header.array(), 0, header.position()));
    return header.flip();
  }

  /** The trailer: the data length, then the CRC32C of everything before the CRC itself. */
  static ByteBuffer encodeTrailer(long dataLength, CRC32C runningCrc) {
    ByteBuffer trailer = ByteBuffer.allocate(TRAILER);
    trailer.putLong(dataLength);
    runningCrc.update(trailer.array(), 0, 8);
    trailer.putInt((int) runningCrc.getValue());
    return trailer.flip();
  }

  /**
   * The snapshot a file holds, checked as far as possible without reading its data: header magic,
   * version, CRC and configuration, and a trailer whose data length accounts for the file's length.
   *
   * @throws IOException when the file cannot be read or is not a complete snapshot file
   */
  static Described describe(FileChannel channel, Path path) throws IOException {
    long fileSize = channel.size();
    if (fileSize < FIXED_HEADER + 4 + TRAILER) {
      throw damaged(path, "shorter than a header and a trailer (" + fileSize + " bytes)");
    }
    ByteBuffer fixed = readFully(channel, 0, FIXED_HEADER, path);
    int magic = fixed.getInt();
    int version = fixed.getInt();
    long index = fixed.getLong();
    long term = fixed.getLong();
    int configLength = fixed.getInt();
    if (magic != MAGIC) {
      throw damaged(path, "bad magic " + Integer.toHexString(magic));
    }
    if (version != VERSION) {
      throw damaged(path, "unknown format version " + version);
    }
    if (configLength < 0
        || configLength > MAX_CONFIGURATION
        || FIXED_HEADER + configLength + 4 + TRAILER > fileSize) {
      throw damaged(path, "impossible configuration length " + configLength);
    }
    int headerLength = FIXED_HEADER + configLength + 4;
    ByteBuffer header = ByteBuffer.allocate(headerLength);
    header.put(fixed.array());
    header.put(readFully(channel, FIXED_HEADER, configLength + 4, path));
    int storedCrc = header.getInt(headerLength - 4);
    if (storedCrc != crc(header.array(), 0, headerLength - 4)) {
      throw damaged(path, "header CRC32C mismatch");
    }
    if (index < 1 || term < 1) {
      throw damaged(path, "impossible index " + index + " or term " + term);
    }
    ClusterConfiguration configuration;
    try {
      byte[] config = new byte[configLength];
      header.get(FIXED_HEADER, config);
      configuration = ConfigurationCodec.decode(config);
    } catch (IllegalArgumentException e) {
      throw damaged(path, "unreadable configuration: " + e.getMessage());
    }
    long dataLength = readFully(channel, fileSize - TRAILER, 8, path).getLong();
    if (dataLength != fileSize - headerLength - TRAILER) {
      throw damaged(
          path,
          "data length "
              + dataLength
              + " in the trailer does not match the file length "
              + fileSize
              + " (truncated?)");
    }
    return new Described(
        new SnapshotMeta(index, term, configuration, dataLength), header.array(), fileSize);
  }

  /**
   * Reads exactly {@code length} bytes at {@code position}.
   *
   * @throws EOFException when the file ends first
   */
  static ByteBuffer readFully(FileChannel channel, long position, int length, Path path)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    readFully(channel, position, buffer, path);
    return buffer.flip();
  }

  /** Fills {@code buffer} from {@code position}, or throws {@link EOFException}. */
  static void readFully(FileChannel channel, long position, ByteBuffer buffer, Path path)
      throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        throw new EOFException(path + " ends at " + at + " before the snapshot does");
      }
      at += n;
    }
  }

  private static int crc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  private static IOException damaged(Path path, String why) {
    return new IOException(path + " is not a complete snapshot file: " + why);
  }

  /**
   * A parsed snapshot file.
   *
   * @param meta what it holds
   * @param header its header bytes, CRC included: where the data and the whole-file CRC start
   * @param fileSize its length when parsed
   */
  record Described(SnapshotMeta meta, byte[] header, long fileSize) {

    long dataStart() {
      return header.length;
    }
  }
}
