package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.Member;
import io.reactiveraft.message.VoteRequest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class RSocketTransportBuilderTest {

  private static void assertInvalid(UnaryOperator<RSocketTransportBuilder> change, String message) {
    assertThatThrownBy(() -> change.apply(TestTransports.builder()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void namesTheOptionAndTheRule() {
    assertThatThrownBy(() -> RSocketTransport.builder().sharedSecret("0123456789abcdef").build())
        .hasMessage("invalid RSocketTransport.clusterId: is required");
    assertThatThrownBy(() -> RSocketTransport.builder().clusterId("c").build())
        .hasMessage("invalid RSocketTransport.sharedSecret: is required");
    assertInvalid(b -> b.sharedSecret("short"), "sharedSecret: must be at least 16 bytes");
    assertInvalid(b -> b.group(" "), "group");
    assertInvalid(b -> b.maxFrameSize(100), "maxFrameSize");
    assertInvalid(b -> b.maxFrameSize(1 << 24), "maxFrameSize");
    assertInvalid(b -> b.maxInFlightPerPeer(0), "maxInFlightPerPeer");
    assertInvalid(b -> b.requestTimeout(Duration.ZERO), "requestTimeout");
    assertInvalid(b -> b.connectTimeout(null), "connectTimeout: is required");
    assertInvalid(
        b -> b.reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)), "reconnectBackoff");
    assertInvalid(b -> b.keepAlive(Duration.ofSeconds(5), Duration.ofSeconds(5)), "keepAlive");
    assertInvalid(b -> b.ioThreads(0), "ioThreads");
    assertInvalid(b -> b.bindAddress("no-port"), "bindAddress");
    assertInvalid(b -> b.bindAddress("::1:80"), "bindAddress");
  }

  @Test
  void theSecretIsCopiedSoACallerMayWipeItsArray() {
    byte[] secret = TestTransports.SECRET.getBytes(StandardCharsets.UTF_8);
    RSocketTransportBuilder builder = TestTransports.builder().sharedSecret(secret);
    Arrays.fill(secret, (byte) 0);
    RSocketTransport transport = builder.build();
    Member self = new Member("s", Loopback.HOST + ":0");
    try {
      transport.start(self, List.of(new Member("a", Loopback.freeAddress()))).subscribe();
      InetSocketAddress address = transport.boundAddress().orElseThrow();
      // A peer that knows the secret as it was passed is still let in.
      try (RawPeer peer =
          RawPeer.connect(address, TestTransports.CLUSTER, "a", "s", TestTransports.SECRET)) {
        StepVerifier.create(peer.send(new VoteRequest("a", "s", 1, 0, 0, false)))
            .expectComplete()
            .verify(Duration.ofSeconds(10));
      }
      assertThat(transport.stats().rejectedConnections()).isZero();
    } finally {
      transport.close().block(Duration.ofSeconds(10));
    }
  }

  @Test
  void aTransportIsStartedOnceAndSendsOnlyOnceStarted() {
    RSocketTransport transport = TestTransports.builder().build();
    Member self = new Member("a", Loopback.HOST + ":0");
    Member peer = new Member("b", Loopback.freeAddress());
    assertThatThrownBy(() -> transport.send(new VoteRequest("a", "b", 1, 0, 0, false)))
        .isInstanceOf(IllegalStateException.class);
    try {
      transport.start(self, List.of(peer)).subscribe();
      assertThat(transport.boundAddress())
          .hasValueSatisfying(a -> assertThat(a.getPort()).isPositive());
      assertThatThrownBy(() -> transport.start(self, List.of(peer)))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      transport.close().block(Duration.ofSeconds(10));
    }
    assertThat(transport.boundAddress()).isEmpty();
    // After close, messages are dropped quietly: the node may still be winding down.
    transport.send(new VoteRequest("a", "b", 1, 0, 0, false));
    assertThat(transport.stats().dropped()).isEqualTo(1);
    assertThatThrownBy(() -> transport.start(self, List.of(peer)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aPeerAddressThatIsNotHostPortFailsTheStart() {
    RSocketTransport transport = TestTransports.builder().build();
    try {
      assertThatThrownBy(
              () ->
                  transport.start(
                      new Member("a", Loopback.HOST + ":0"), List.of(new Member("b", "b.example"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("member b")
          .hasMessageContaining("b.example");
      // Nothing was started: the transport can still start with a correct list.
      transport.start(new Member("a", Loopback.HOST + ":0"), List.of()).subscribe();
      assertThat(transport.boundAddress()).isPresent();
    } finally {
      transport.close().block(Duration.ofSeconds(10));
    }
  }

  @Test
  void aPortInUseFailsTheStartAndReleasesTheThreads() {
    RSocketTransport first = TestTransports.builder().build();
    RSocketTransport second = TestTransports.builder().build();
    Member a = new Member("a", Loopback.freeAddress());
    Member b = new Member("b", a.address());
    try {
      first.start(a, List.of()).subscribe();
      assertThatThrownBy(() -> second.start(b, List.of()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot listen on");
      Loopback.assertNoThreads("raft-rsocket-b-");
    } finally {
      first.close().block(Duration.ofSeconds(10));
    }
  }
}
