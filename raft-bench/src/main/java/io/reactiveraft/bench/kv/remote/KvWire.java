package io.reactiveraft.bench.kv.remote;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The field encodings of the KV client protocol: big-endian integers, and strings as a signed
 * 32-bit byte length followed by UTF-8 bytes, with length -1 for an absent (null) string. Static
 * methods, thread-safe.
 */
final class KvWire {

  /** The protocol version, first byte of every frame. */
  static final int VERSION = 1;

  private KvWire() {}

  static void writeString(ByteBuf out, String value) {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.writeBytes(bytes);
  }

  /**
   * Reads a string written by {@link #writeString}.
   *
   * @throws IllegalArgumentException when the frame is too short for the length it announces, so a
   *     malformed frame never makes the reader allocate more than the frame holds
   */
  static String readString(ByteBuf in, String field) {
    need(in, 4, field);
    int length = in.readInt();
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > in.readableBytes()) {
      throw new IllegalArgumentException("malformed frame: bad length " + length + " of " + field);
    }
    String value = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
    in.skipBytes(length);
    return value;
  }

  static void readVersion(ByteBuf in) {
    need(in, 1, "version");
    int version = in.readUnsignedByte();
    if (version != VERSION) {
      throw new IllegalArgumentException("unsupported protocol version " + version);
    }
  }

  static void need(ByteBuf in, int bytes, String field) {
    if (in.readableBytes() < bytes) {
      throw new IllegalArgumentException("malformed frame: truncated at " + field);
    }
  }

  static byte[] toArray(ByteBuf buf) {
    byte[] bytes = new byte[buf.readableBytes()];
    buf.readBytes(bytes);
    return bytes;
  }
}
