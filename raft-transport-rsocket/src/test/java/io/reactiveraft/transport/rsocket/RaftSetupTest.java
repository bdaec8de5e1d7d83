package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rsocket.Payload;
import io.rsocket.exceptions.RejectedSetupException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RaftSetupTest {

  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();

  @Test
  void theTokenIsHmacSha256OfTheLengthPrefixedIds() {
    // The documented layout, spelled out byte by byte: 4-byte big-endian lengths before each id.
    assertThat(HexFormat.of().formatHex(RaftSetup.token(SECRET, "c", "n1", "n2")))
        .isEqualTo(
            HexFormat.of()
                .formatHex(
                    hmac(
                        SECRET,
                        new byte[] {0, 0, 0, 1, 'c', 0, 0, 0, 2, 'n', '1', 0, 0, 0, 2, 'n', '2'})));
  }

  @Test
  void tokensDifferByClusterCallerCalleeAndSecretAndCannotBeShifted() {
    byte[] base = RaftSetup.token(SECRET, "ab", "c", "d");
    assertThat(RaftSetup.token(SECRET, "a", "bc", "d")).isNotEqualTo(base);
    assertThat(RaftSetup.token(SECRET, "ab", "cd", "")).isNotEqualTo(base);
    assertThat(RaftSetup.token(SECRET, "ab", "e", "d")).isNotEqualTo(base);
    assertThat(RaftSetup.token(SECRET, "ab", "c", "e")).isNotEqualTo(base);
    assertThat(RaftSetup.token(SECRET, "ab", "d", "c"))
        .as("the other direction")
        .isNotEqualTo(base);
    assertThat(RaftSetup.token("another secret of 32 bytes......".getBytes(), "ab", "c", "d"))
        .isNotEqualTo(base);
    assertThat(RaftSetup.token(SECRET, "ab", "c", "d")).isEqualTo(base).hasSize(32);
  }

  @Test
  void theSetupPayloadIntroducesTheMember() {
    Payload payload = RaftSetup.payload("cluster-1", "n2", "n1", SECRET);
    RaftSetup.Introduction intro = RaftSetup.parse(payload.sliceData());
    assertThat(intro.clusterId()).isEqualTo("cluster-1");
    assertThat(intro.memberId()).isEqualTo("n2");
    assertThat(intro.token()).isEqualTo(RaftSetup.token(SECRET, "cluster-1", "n2", "n1"));
    assertThat(payload.release()).as("heap payload, not reference counted").isFalse();
  }

  @Test
  void theAuthenticatorChecksClusterMemberAndToken() {
    PeerAuthenticator auth = new PeerAuthenticator("cluster-1", SECRET);
    auth.allow("n1", List.of("n2", "n3"));
    assertThat(auth.authenticate(RaftSetup.payload("cluster-1", "n2", "n1", SECRET).sliceData()))
        .isEqualTo("n2");
    assertRejected(auth, RaftSetup.payload("cluster-2", "n2", "n1", SECRET).sliceData(), "cluster");
    assertRejected(
        auth, RaftSetup.payload("cluster-1", "n4", "n1", SECRET).sliceData(), "not a member");
    assertRejected(
        auth,
        RaftSetup.payload("cluster-1", "n2", "n1", "a different secret, same length".getBytes())
            .sliceData(),
        "bad token");
    assertRejected(
        auth, RaftSetup.payload("cluster-1", "n2", "n3", SECRET).sliceData(), "bad token");
    ByteBuf truncated = RaftSetup.payload("cluster-1", "n2", "n1", SECRET).sliceData();
    assertRejected(auth, truncated.slice(0, truncated.readableBytes() - 1), "malformed");
    assertRejected(auth, Unpooled.wrappedBuffer(new byte[] {9}), "malformed");
    auth.allow("n1", List.of("n3"));
    assertRejected(
        auth, RaftSetup.payload("cluster-1", "n2", "n1", SECRET).sliceData(), "not a member");
  }

  private static void assertRejected(PeerAuthenticator auth, ByteBuf setup, String reason) {
    assertThatThrownBy(() -> auth.authenticate(setup))
        .isInstanceOf(RejectedSetupException.class)
        .hasMessageContaining(reason);
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void hostPortParsesNamesIpv4AndBracketedIpv6() {
    assertThat(HostPort.parse("127.0.0.1:7001")).isEqualTo(new HostPort("127.0.0.1", 7001));
    assertThat(HostPort.parse("node-1.example:0")).isEqualTo(new HostPort("node-1.example", 0));
    assertThat(HostPort.parse("[::1]:7001")).isEqualTo(new HostPort("::1", 7001));
    for (String bad : List.of("7001", "host:", ":7001", "host:70000", "host:x", "::1:7001")) {
      assertThatThrownBy(() -> HostPort.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void backoffDoublesWithJitterUpToItsMaximum() {
    Backoff backoff =
        new Backoff(java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(1000));
    for (int i = 0; i < 100; i++) {
      assertThat(backoff.delayNanos(1)).isBetween(50_000_000L, 100_000_000L);
      assertThat(backoff.delayNanos(3)).isBetween(200_000_000L, 400_000_000L);
      assertThat(backoff.delayNanos(50)).isBetween(500_000_000L, 1_000_000_000L);
    }
  }
}
