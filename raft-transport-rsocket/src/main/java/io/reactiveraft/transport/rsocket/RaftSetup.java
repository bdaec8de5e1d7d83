package io.reactiveraft.transport.rsocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rsocket.ConnectionSetupPayload;
import io.rsocket.Payload;
import io.rsocket.util.DefaultPayload;

/**
 * The SETUP frame of a Raft peer connection: who is calling, and proof that it holds the cluster's
 * shared secret.
 *
 * <p>The frame's data MIME type is {@link #MIME_TYPE}, which lets a service that mounts Raft on its
 * own RSocket server tell Raft connections from its own. The data is
 *
 * <pre>
 * u8 version (4) | string clusterId | string memberId | u8 token length (32) | token
 * </pre>
 *
 * with strings encoded as in {@link RaftFrameCodec}, and token = HMAC-SHA256 keyed with the shared
 * secret over the length-prefixed cluster id, the caller's member id and the id of the member it
 * calls (prefixing keeps "ab"+"c" and "a"+"bc" apart). Naming the callee means a token shown to one
 * member, or to whatever answers at that member's address while it is down, opens no connection to
 * any other. It is still a bearer credential towards that one member: anyone who sees it can replay
 * it there, so run the transport over TLS where the network is not trusted.
 *
 * <p>Static methods, thread-safe.
 */
public final class RaftSetup {

  /** The data MIME type of a Raft peer connection's SETUP frame. */
  public static final String MIME_TYPE = "application/x.reactive-raft.v1";

  /**
   * 2: a follower's answer to AppendEntries may come back as the request's RSocket response, which
   * a peer of version 1 would drop unread. 3: snapshot chunks carry the snapshot's checksum (frame
   * format 2), which a peer of version 2 cannot read. 4: the token names the member called as well
   * as the caller, so a peer of version 3 would present one that no longer matches. Peers of
   * another version are refused at SETUP rather than stall or fail on a token.
   */
  static final int VERSION = 4;

  static final int TOKEN_BYTES = 32;

  private RaftSetup() {}

  /**
   * The SETUP payload with which member {@code memberId} introduces itself to its peer {@code
   * peerId}; each peer needs its own. Use it with {@code RSocketConnector.setupPayload(...)} and
   * {@code dataMimeType(RaftSetup.MIME_TYPE)} when a service opens Raft connections itself. The
   * payload is heap-backed and not reference counted, so it can be reused for reconnections to that
   * peer.
   *
   * @throws IllegalArgumentException when an id is too long or the secret is empty
   */
  public static Payload payload(String clusterId, String memberId, String peerId, byte[] secret) {
    byte[] cluster = Wire.utf8(clusterId, "clusterId");
    byte[] member = Wire.utf8(memberId, "memberId");
    Wire.utf8(peerId, "peerId");
    byte[] token = token(secret, clusterId, memberId, peerId);
    ByteBuf data =
        Unpooled.buffer(1 + Wire.stringSize(cluster) + Wire.stringSize(member) + 1 + token.length);
    data.writeByte(VERSION);
    Wire.writeString(data, cluster);
    Wire.writeString(data, member);
    data.writeByte(token.length);
    data.writeBytes(token);
    byte[] bytes = new byte[data.readableBytes()];
    data.readBytes(bytes);
    return DefaultPayload.create(bytes);
  }

  /** Whether a connection's SETUP frame announces Raft peer traffic. */
  public static boolean isRaft(ConnectionSetupPayload setup) {
    return MIME_TYPE.equals(setup.dataMimeType());
  }

  /**
   * The token with which {@code memberId} calls {@code peerId}: HMAC-SHA256 keyed with {@code
   * secret} over the length-prefixed UTF-8 cluster id, member id and peer id.
   */
  static byte[] token(byte[] secret, String clusterId, String memberId, String peerId) {
    return SecretTokens.derive(secret, clusterId, memberId, peerId);
  }

  /**
   * Parses the data of a SETUP frame.
   *
   * @throws MalformedFrameException when it is not a Raft setup of this version ({@value #VERSION})
   */
  static Introduction parse(ByteBuf data) {
    if (!data.isReadable()) {
      throw new MalformedFrameException("empty setup");
    }
    int version = data.readUnsignedByte();
    if (version != VERSION) {
      throw new MalformedFrameException("unknown setup version " + version);
    }
    String clusterId = Wire.readString(data, "clusterId");
    String memberId = Wire.readString(data, "memberId");
    if (!data.isReadable()) {
      throw Wire.truncated("token length");
    }
    int length = data.readUnsignedByte();
    if (length != TOKEN_BYTES || data.readableBytes() != TOKEN_BYTES) {
      throw new MalformedFrameException("the token must be exactly " + TOKEN_BYTES + " bytes");
    }
    byte[] token = new byte[TOKEN_BYTES];
    data.readBytes(token);
    return new Introduction(clusterId, memberId, token);
  }

  /** What a connecting peer claims in its SETUP frame; nothing here is verified yet. */
  record Introduction(String clusterId, String memberId, byte[] token) {}
}
