package io.reactiveraft.transport.rsocket;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The primitives of the wire format: unsigned LEB128 varints, zigzag for signed deltas, and
 * length-prefixed UTF-8 strings. Every read checks its bounds against the bytes that are actually
 * there and throws {@link MalformedFrameException}, so a hostile length never allocates or reads
 * past the frame. Stateless and thread-safe.
 */
final class Wire {

  /** The longest string (group or member id) in UTF-8 bytes; ids are short, so this is generous. */
  static final int MAX_STRING_BYTES = 1024;

  private Wire() {}

  /** The bytes {@link #writeVarLong} takes for {@code value}, read as unsigned. */
  static int varLongSize(long value) {
    return value == 0 ? 1 : (63 - Long.numberOfLeadingZeros(value)) / 7 + 1;
  }

  static void writeVarLong(ByteBuf out, long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  /** Reads an unsigned varint of at most 10 bytes, in its shortest form. */
  static long readVarLong(ByteBuf in, String field) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!in.isReadable()) {
        throw truncated(field);
      }
      int b = in.readByte();
      // The tenth byte may only carry the 64th bit; anything more does not fit a long.
      if (shift == 63 && (b & 0xFE) != 0) {
        throw new MalformedFrameException(field + ": varint overflows 64 bits");
      }
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        // Only the shortest form is accepted, so a decoded frame re-encodes to the same bytes.
        if (b == 0 && shift > 0) {
          throw new MalformedFrameException(field + ": varint not in its shortest form");
        }
        return result;
      }
    }
    throw new MalformedFrameException(field + ": varint longer than 10 bytes");
  }

  /** Reads a varint that must be a non-negative long: every Raft term and index is. */
  static long readNonNegative(ByteBuf in, String field) {
    long v = readVarLong(in, field);
    if (v < 0) {
      throw new MalformedFrameException(field + ": out of range");
    }
    return v;
  }

  /** Reads a length that must fit both {@code max} and the bytes left in the frame. */
  static int readLength(ByteBuf in, String field, int max) {
    long v = readVarLong(in, field);
    if (v < 0 || v > max) {
      throw new MalformedFrameException(field + ": length " + v + " exceeds " + max);
    }
    if (v > in.readableBytes()) {
      throw new MalformedFrameException(
          field + ": length " + v + " but only " + in.readableBytes() + " bytes left");
    }
    return (int) v;
  }

  static long zigZag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unZigZag(long z) {
    return (z >>> 1) ^ -(z & 1);
  }

  /**
   * UTF-8 bytes of an id, refusing what UTF-8 cannot carry (an unpaired surrogate would arrive as
   * '?', and a transport must never alter a message).
   *
   * @throws IllegalArgumentException when the string is not valid Unicode or too long
   */
  static byte[] utf8(String s, String field) {
    byte[] bytes;
    if (hasSurrogate(s)) {
      try {
        ByteBuffer encoded =
            StandardCharsets.UTF_8
                .newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .encode(java.nio.CharBuffer.wrap(s));
        bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException(field + " is not valid Unicode", e);
      }
    } else {
      bytes = s.getBytes(StandardCharsets.UTF_8);
    }
    if (bytes.length > MAX_STRING_BYTES) {
      throw new IllegalArgumentException(
          field + " is " + bytes.length + " UTF-8 bytes, the limit is " + MAX_STRING_BYTES);
    }
    return bytes;
  }

  static int stringSize(byte[] utf8) {
    return varLongSize(utf8.length) + utf8.length;
  }

  static void writeString(ByteBuf out, byte[] utf8) {
    writeVarLong(out, utf8.length);
    out.writeBytes(utf8);
  }

  /** Reads a length-prefixed string, rejecting invalid UTF-8 instead of replacing it. */
  static String readString(ByteBuf in, String field) {
    int length = readLength(in, field, MAX_STRING_BYTES);
    byte[] bytes = new byte[length];
    in.readBytes(bytes);
    boolean ascii = true;
    for (byte b : bytes) {
      if (b < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new MalformedFrameException(field + ": invalid UTF-8", e);
    }
  }

  static MalformedFrameException truncated(String field) {
    return new MalformedFrameException("truncated frame: " + field + " is missing");
  }

  private static boolean hasSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isSurrogate(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }
}
