package io.reactiveraft.bench.kv.remote;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.reactiveraft.bench.kv.KvCommand;
import java.util.Objects;

/**
 * One KV client request, the data of an RSocket request-response:
 *
 * <pre>
 * u8 version (1) | u8 op (1 put, 2 get, 3 delete, 4 cas) | u32 timeout ms
 * | string clientId | i64 sequence | string key | string value | string expected
 * </pre>
 *
 * with strings as in {@link KvWire} (absent ones have length -1). Writes carry the client's
 * session: a resent request with the same (clientId, sequence) is applied at most once. Reads carry
 * an absent client id and sequence 0.
 *
 * @param command the operation
 * @param clientId the client session's id (null for a read)
 * @param sequence the command's number in the session, from 1 (0 for a read)
 * @param timeoutMillis how long the node may work on this attempt, positive
 */
public record KvRequest(KvCommand command, String clientId, long sequence, int timeoutMillis) {

  public KvRequest {
    Objects.requireNonNull(command, "command");
    if (timeoutMillis <= 0) {
      throw new IllegalArgumentException("timeoutMillis must be positive");
    }
  }

  /** Whether this request only reads (and goes through a linearizable read, not the log). */
  public boolean isRead() {
    return command.op() == KvCommand.Op.GET;
  }

  /** The request's frame bytes. */
  public byte[] encode() {
    ByteBuf out = Unpooled.buffer(64);
    out.writeByte(KvWire.VERSION);
    out.writeByte(command.op().ordinal() + 1);
    out.writeInt(timeoutMillis);
    KvWire.writeString(out, clientId);
    out.writeLong(sequence);
    KvWire.writeString(out, command.key());
    KvWire.writeString(out, command.value());
    KvWire.writeString(out, command.expected());
    return KvWire.toArray(out);
  }

  /**
   * Parses a request frame; does not release {@code in}.
   *
   * @throws IllegalArgumentException naming what is wrong, when the frame is malformed
   */
  public static KvRequest decode(ByteBuf in) {
    KvWire.readVersion(in);
    KvWire.need(in, 5, "op");
    int op = in.readUnsignedByte();
    KvCommand.Op[] ops = KvCommand.Op.values();
    if (op < 1 || op > ops.length) {
      throw new IllegalArgumentException("unknown operation " + op);
    }
    int timeout = in.readInt();
    if (timeout <= 0) {
      throw new IllegalArgumentException("the timeout must be positive, was " + timeout);
    }
    String clientId = KvWire.readString(in, "clientId");
    KvWire.need(in, 8, "sequence");
    long sequence = in.readLong();
    String key = KvWire.readString(in, "key");
    String value = KvWire.readString(in, "value");
    String expected = KvWire.readString(in, "expected");
    if (in.isReadable()) {
      throw new IllegalArgumentException("malformed frame: " + in.readableBytes() + " extra bytes");
    }
    if (key == null) {
      throw new IllegalArgumentException("the key is missing");
    }
    KvCommand.Op kind = ops[op - 1];
    if (kind != KvCommand.Op.GET && (clientId == null || sequence < 1)) {
      throw new IllegalArgumentException("a write needs a client id and a sequence >= 1");
    }
    return new KvRequest(new KvCommand(kind, key, value, expected), clientId, sequence, timeout);
  }
}
