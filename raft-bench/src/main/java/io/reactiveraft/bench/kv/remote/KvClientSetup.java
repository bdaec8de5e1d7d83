package io.reactiveraft.bench.kv.remote;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.reactiveraft.transport.rsocket.SecretTokens;
import io.rsocket.ConnectionSetupPayload;
import io.rsocket.Payload;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.util.DefaultPayload;

/**
 * The SETUP frame of a KV client connection, and its check on the node.
 *
 * <p>The frame's data MIME type is {@link #MIME_TYPE}, which tells a node's server a client from a
 * Raft peer (whose setups carry {@code RaftSetup.MIME_TYPE}). The data is
 *
 * <pre>
 * u8 version (1) | string clusterId | u8 token length (32) | token
 * </pre>
 *
 * with token = HMAC-SHA256 keyed with the cluster's shared secret over the length-prefixed label
 * {@code "kv-client"} and cluster id. The label keeps a client token apart from every peer token,
 * which covers three length-prefixed fields (cluster, caller and callee). Like the peers' token it
 * is a bearer credential: run over TLS where the network is not trusted.
 *
 * <p>Thread-safe: an instance holds only the expected token.
 */
public final class KvClientSetup {

  /** The data MIME type of a KV client connection's SETUP frame. */
  public static final String MIME_TYPE = "application/x.reactive-raft.kv-client.v1";

  private static final String LABEL = "kv-client";
  private static final int TOKEN_BYTES = 32;

  private final String clusterId;
  private final byte[] expectedToken;

  /** A check that admits clients of {@code clusterId} holding {@code secret}. */
  public KvClientSetup(String clusterId, byte[] secret) {
    this.clusterId = clusterId;
    this.expectedToken = token(secret, clusterId);
  }

  /** The SETUP payload of a client of {@code clusterId} holding {@code secret}; reusable. */
  public static Payload payload(String clusterId, byte[] secret) {
    byte[] token = token(secret, clusterId);
    ByteBuf data = Unpooled.buffer();
    data.writeByte(KvWire.VERSION);
    KvWire.writeString(data, clusterId);
    data.writeByte(token.length);
    data.writeBytes(token);
    return DefaultPayload.create(KvWire.toArray(data));
  }

  /** Whether a connection's SETUP frame announces a KV client. */
  public static boolean isClient(ConnectionSetupPayload setup) {
    return MIME_TYPE.equals(setup.dataMimeType());
  }

  /**
   * Checks a client's SETUP frame; does not release it.
   *
   * @throws RejectedSetupException naming the reason, when the client may not connect
   */
  public void authenticate(ConnectionSetupPayload setup) {
    ByteBuf data = setup.sliceData();
    String cluster;
    byte[] token;
    try {
      KvWire.readVersion(data);
      cluster = KvWire.readString(data, "clusterId");
      KvWire.need(data, 1, "token length");
      int length = data.readUnsignedByte();
      if (length != TOKEN_BYTES || data.readableBytes() != TOKEN_BYTES) {
        throw new IllegalArgumentException("the token must be exactly " + TOKEN_BYTES + " bytes");
      }
      token = new byte[TOKEN_BYTES];
      data.readBytes(token);
    } catch (IllegalArgumentException e) {
      throw new RejectedSetupException("malformed client setup: " + e.getMessage());
    }
    if (!clusterId.equals(cluster)) {
      throw new RejectedSetupException("wrong cluster id " + cluster);
    }
    if (!SecretTokens.same(expectedToken, token)) {
      throw new RejectedSetupException("bad client token: the secret does not match the cluster's");
    }
  }

  private static byte[] token(byte[] secret, String clusterId) {
    if (secret == null) {
      throw new IllegalArgumentException("the shared secret must not be empty");
    }
    return SecretTokens.derive(secret, LABEL, clusterId);
  }
}
