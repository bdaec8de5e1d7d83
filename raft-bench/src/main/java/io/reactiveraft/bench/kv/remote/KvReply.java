package io.reactiveraft.bench.kv.remote;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Objects;

/**
 * A node's answer to a {@link KvRequest}:
 *
 * <pre>
 * u8 version (1) | u8 status | string text | string leaderId | string leaderAddress
 * </pre>
 *
 * {@code text} is the value for {@link Status#OK} and {@link Status#CAS_MISMATCH} (absent when the
 * key is), and a human-readable reason otherwise. The leader fields are present only with {@link
 * Status#NOT_LEADER}, when the node knows a leader.
 *
 * @param status what happened to the command
 * @param text the value, or the reason
 * @param leaderId the leader's id, or null
 * @param leaderAddress the leader's address, where it serves clients too, or null
 */
public record KvReply(Status status, String text, String leaderId, String leaderAddress) {

  /** What happened to a command; the numbers are the status byte on the wire. */
  public enum Status {
    /** Applied (or read); {@code text} is the value read, or the value before a write. */
    OK(0),
    /** A CAS that was applied and found another value, {@code text}: the key is unchanged. */
    CAS_MISMATCH(1),
    /** Not applied: this node does not lead. Try the leader named, or another node. */
    NOT_LEADER(2),
    /** Not applied now (overloaded, closing, entry overwritten): the same request may be resent. */
    RETRY(3),
    /** Not applied, and resending will not help: the request is invalid. */
    REJECTED(4),
    /** The outcome is unknown (timeout, lost leadership): resend the same (clientId, sequence). */
    UNKNOWN(5),
    /**
     * The client session is unknown or expired: not applied now; an earlier attempt may have been.
     */
    SESSION_EXPIRED(6);

    final int code;

    Status(int code) {
      this.code = code;
    }

    static Status of(int code) {
      for (Status s : values()) {
        if (s.code == code) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown reply status " + code);
    }
  }

  public KvReply {
    Objects.requireNonNull(status, "status");
  }

  static KvReply of(Status status, String text) {
    return new KvReply(status, text, null, null);
  }

  /** The reply's frame bytes. */
  public byte[] encode() {
    ByteBuf out = Unpooled.buffer(32);
    out.writeByte(KvWire.VERSION);
    out.writeByte(status.code);
    KvWire.writeString(out, text);
    KvWire.writeString(out, leaderId);
    KvWire.writeString(out, leaderAddress);
    return KvWire.toArray(out);
  }

  /**
   * Parses a reply frame; does not release {@code in}.
   *
   * @throws IllegalArgumentException when the frame is malformed
   */
  public static KvReply decode(ByteBuf in) {
    KvWire.readVersion(in);
    KvWire.need(in, 1, "status");
    Status status = Status.of(in.readUnsignedByte());
    String text = KvWire.readString(in, "text");
    String leaderId = KvWire.readString(in, "leaderId");
    String leaderAddress = KvWire.readString(in, "leaderAddress");
    return new KvReply(status, text, leaderId, leaderAddress);
  }
}
