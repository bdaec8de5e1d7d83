package io.reactiveraft.transport.rsocket;

import io.netty.buffer.ByteBuf;
import io.rsocket.exceptions.RejectedSetupException;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides who may open a connection: a caller must name this cluster, be one of the current peers,
 * and present the token that peer has for calling this member. The expected tokens are computed
 * once per membership change, so a SETUP costs a map lookup and a constant-time comparison, and a
 * stranger costs no HMAC at all.
 *
 * <p>Thread-safe: the allowlist is an immutable map replaced as a whole.
 */
final class PeerAuthenticator {

  private final String clusterId;
  private final byte[] secret;
  private volatile Map<String, byte[]> expectedTokens = Map.of();

  PeerAuthenticator(String clusterId, byte[] secret) {
    this.clusterId = clusterId;
    this.secret = secret.clone();
  }

  /** Replaces the members allowed to connect to this member, {@code selfId}. */
  void allow(String selfId, Iterable<String> memberIds) {
    Map<String, byte[]> tokens = new HashMap<>();
    for (String id : memberIds) {
      tokens.put(id, RaftSetup.token(secret, clusterId, id, selfId));
    }
    expectedTokens = Map.copyOf(tokens);
  }

  /** Whether {@code memberId} is currently allowed. */
  boolean allows(String memberId) {
    return expectedTokens.containsKey(memberId);
  }

  /**
   * Checks a SETUP frame's data; does not release it.
   *
   * @return the id of the member that connected
   * @throws RejectedSetupException naming the reason, when the caller may not connect
   */
  String authenticate(ByteBuf setupData) {
    RaftSetup.Introduction intro;
    try {
      intro = RaftSetup.parse(setupData);
    } catch (MalformedFrameException e) {
      throw new RejectedSetupException("malformed Raft setup: " + e.getMessage());
    }
    if (!clusterId.equals(intro.clusterId())) {
      throw new RejectedSetupException("wrong cluster id " + intro.clusterId());
    }
    byte[] expected = expectedTokens.get(intro.memberId());
    if (expected == null) {
      throw new RejectedSetupException(intro.memberId() + " is not a member");
    }
    if (!SecretTokens.same(expected, intro.token())) {
      throw new RejectedSetupException("bad token for " + intro.memberId());
    }
    return intro.memberId();
  }
}
