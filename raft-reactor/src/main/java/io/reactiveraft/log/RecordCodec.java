package io.reactiveraft.log;

import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The on-disk form of one log entry, little-endian:
 *
 * <pre>
 *   0  int   body length  (bytes from offset 8 to the end of the record: 17 + payload)
 *   4  int   CRC32C       over the body length field and the body
 *   8  long  term
 *  16  long  index
 *  24  byte  type         (1 command, 2 no-op, 3 configuration, 4 session command)
 *  25  ...   payload
 * </pre>
 *
 * A body length of 0 marks the end of a segment's records: segments are zero-filled when created,
 * and a real record is never shorter than 17 bytes. The checksum covers the length too, so a
 * damaged length is caught even when it happens to point at a plausible place. Stateless; a {@link
 * CRC32C} is passed in so that each thread reuses its own.
 */
final class RecordCodec {

  /** Bytes before the payload. */
  static final int HEADER_SIZE = 25;

  /** Length and checksum, the part outside the body. */
  static final int PREFIX_SIZE = 8;

  /** The body of a record with an empty payload. */
  static final int MIN_BODY = HEADER_SIZE - PREFIX_SIZE;

  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private RecordCodec() {}

  /** The bytes {@code entry} takes in a segment. */
  static int size(LogEntry entry) {
    return HEADER_SIZE + entry.payload().length;
  }

  /**
   * Appends {@code entry}'s record to {@code dst}, a little-endian heap buffer with room for it.
   */
  static void encode(LogEntry entry, ByteBuffer dst, CRC32C crc) {
    int start = dst.position();
    int body = MIN_BODY + entry.payload().length;
    dst.putInt(body);
    dst.putInt(0); // the checksum, filled in below
    dst.putLong(entry.term());
    dst.putLong(entry.index());
    dst.put(typeCode(entry.type()));
    dst.put(entry.payload());
    byte[] array = dst.array();
    int base = dst.arrayOffset() + start;
    dst.putInt(start + 4, checksum(array, base, body, crc));
  }

  /** The body length stored at {@code offset}: 0 at the end of the records. */
  static int bodyLength(byte[] bytes, int offset) {
    return (int) INT.get(bytes, offset);
  }

  static long term(byte[] bytes, int offset) {
    return (long) LONG.get(bytes, offset + 8);
  }

  static long index(byte[] bytes, int offset) {
    return (long) LONG.get(bytes, offset + 16);
  }

  /**
   * Checks the complete record of {@code body} bytes at {@code offset}.
   *
   * @return null when it is a valid record of entry {@code expectedIndex} with a term of at least
   *     {@code minTerm}; otherwise why not
   */
  static String validate(byte[] bytes, int offset, int body, long expectedIndex, long minTerm) {
    return validate(bytes, offset, body, expectedIndex, minTerm, new CRC32C());
  }

  /** As {@link #validate(byte[], int, int, long, long)}, reusing {@code crc}. */
  static String validate(
      byte[] bytes, int offset, int body, long expectedIndex, long minTerm, CRC32C crc) {
    int stored = (int) INT.get(bytes, offset + 4);
    if (checksum(bytes, offset, body, crc) != stored) {
      return "checksum mismatch";
    }
    long index = index(bytes, offset);
    if (index != expectedIndex) {
      return "record holds index " + index + " where index " + expectedIndex + " belongs";
    }
    long term = term(bytes, offset);
    if (term < Math.max(1, minTerm)) {
      // Raft terms never decrease along a log: a lower term means a record that does not belong.
      return "record " + index + " has term " + term + ", below the previous term " + minTerm;
    }
    if (entryType(bytes[offset + 24]) == null) {
      return "record " + index + " has unknown type " + bytes[offset + 24];
    }
    return null;
  }

  /** Decodes a record that {@link #validate} accepted. */
  static LogEntry decode(byte[] bytes, int offset, int body) {
    byte[] payload = new byte[body - MIN_BODY];
    System.arraycopy(bytes, offset + HEADER_SIZE, payload, 0, payload.length);
    return new LogEntry(
        index(bytes, offset), term(bytes, offset), entryType(bytes[offset + 24]), payload);
  }

  private static int checksum(byte[] bytes, int offset, int body, CRC32C crc) {
    crc.reset();
    crc.update(bytes, offset, 4);
    crc.update(bytes, offset + PREFIX_SIZE, body);
    return (int) crc.getValue();
  }

  /** Stable codes: ordinals would change meaning if the enum were reordered. */
  private static byte typeCode(EntryType type) {
    if (type == EntryType.COMMAND) {
      return 1;
    } else if (type == EntryType.NOOP) {
      return 2;
    } else if (type == EntryType.CONFIGURATION) {
      return 3;
    } else if (type == EntryType.SESSION_COMMAND) {
      return 4;
    }
    throw new IllegalArgumentException("no record code for entry type " + type);
  }

  private static EntryType entryType(byte code) {
    if (code == 1) {
      return EntryType.COMMAND;
    } else if (code == 2) {
      return EntryType.NOOP;
    } else if (code == 3) {
      return EntryType.CONFIGURATION;
    } else if (code == 4) {
      return EntryType.SESSION_COMMAND;
    }
    return null;
  }
}
