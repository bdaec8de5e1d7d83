package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteRequest;
import io.rsocket.exceptions.RejectedException;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.util.DefaultPayload;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/** Who may talk to a member: its cluster's members, holding the shared secret, and nobody else. */
class AuthenticationTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Member self = new Member("s", Loopback.HOST + ":0");
  private final Member a = new Member("a", Loopback.freeAddress());
  private final Member b = new Member("b", Loopback.freeAddress());
  private final BlockingQueue<RaftMessage> inbox = new LinkedBlockingQueue<>();
  private RSocketTransport transport;
  private Disposable inbound;
  private InetSocketAddress address;

  @BeforeEach
  void start() {
    transport = TestTransports.builder().build();
    inbound = transport.start(self, List.of(a, b)).subscribe(inbox::add);
    address = transport.boundAddress().orElseThrow();
  }

  @AfterEach
  void stop() {
    inbound.dispose();
    transport.close().block(TIMEOUT);
  }

  private RawPeer connectAs(String clusterId, String memberId, String secret) {
    return RawPeer.connect(address, clusterId, memberId, self.id(), secret);
  }

  private static VoteRequest vote(String from) {
    return new VoteRequest(from, "s", 3, 0, 0, false);
  }

  private void assertRefusedAtSetup(RawPeer peer) {
    StepVerifier.create(peer.send(vote("a")))
        .expectErrorSatisfies(
            e -> {
              assertThat(e)
                  .isInstanceOfAny(RejectedSetupException.class, ClosedChannelException.class);
              if (e instanceof RejectedSetupException) {
                // Every refusal reads the same: a caller cannot tell which ids are members.
                assertThat(e).hasMessage(RaftSocketAcceptor.REFUSED);
              }
            })
        .verify(TIMEOUT);
    Await.until(peer.socket()::isDisposed, TIMEOUT, "the refused connection closes");
    assertThat(transport.stats().rejectedConnections()).isEqualTo(1);
    assertThat(inbox).isEmpty();
  }

  @Test
  void aMemberWithTheRightTokenIsServed() throws InterruptedException {
    try (RawPeer peer = connectAs(TestTransports.CLUSTER, "a", TestTransports.SECRET)) {
      StepVerifier.create(peer.send(vote("a"))).verifyComplete();
      assertThat(inbox.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(vote("a"));
      assertThat(transport.stats().rejectedConnections()).isZero();
    }
  }

  @Test
  void aWrongClusterIdIsRefused() {
    try (RawPeer peer = connectAs("other-cluster", "a", TestTransports.SECRET)) {
      assertRefusedAtSetup(peer);
    }
  }

  @Test
  void reasonsAreLoggedWithControlCharactersMaskedAndTheirLengthCapped() {
    assertThat(RaftSocketAcceptor.printable("zed\r\nWARN forged line"))
        .isEqualTo("zed??WARN forged line");
    assertThat(RaftSocketAcceptor.printable("x".repeat(5000))).hasSize(203).endsWith("...");
  }

  @Test
  void aConnectionWhoseFirstFrameClaimsMoreThanASetupCanHoldIsClosedAtOnce() throws Exception {
    try (Socket raw = new Socket(address.getAddress(), address.getPort())) {
      // A 24-bit length of 8 MiB, and nothing after it: without the guard, the server would
      // wait for the whole frame, buffering it, until its SETUP timeout.
      raw.getOutputStream().write(new byte[] {(byte) 0x80, 0, 0, 1, 2, 3});
      raw.getOutputStream().flush();
      // Well under the server's 10 s wait for a SETUP: closed on the length alone.
      raw.setSoTimeout(5_000);
      assertThat(raw.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
    }
    assertThat(inbox).isEmpty();
  }

  @Test
  void aWrongTokenIsRefused() {
    try (RawPeer peer = connectAs(TestTransports.CLUSTER, "a", "not the secret of this cluster")) {
      assertRefusedAtSetup(peer);
    }
  }

  /**
   * A token names the member called: one that a member showed another (or whatever answered at that
   * member's address while it was down) opens no connection here.
   */
  @Test
  void aTokenMadeForCallingAnotherMemberIsRefused() {
    try (RawPeer peer =
        RawPeer.connect(address, TestTransports.CLUSTER, "a", "b", TestTransports.SECRET)) {
      assertRefusedAtSetup(peer);
    }
    assertThat(inbox).isEmpty();
  }

  @Test
  void aMemberNotInThePeerListIsRefused() {
    try (RawPeer peer = connectAs(TestTransports.CLUSTER, "zed", TestTransports.SECRET)) {
      assertRefusedAtSetup(peer);
    }
  }

  @Test
  void aConnectionThatIsNotRaftIsRefused() {
    try (RawPeer peer =
        RawPeer.connect(address, DefaultPayload.create("hello"), "application/json")) {
      assertRefusedAtSetup(peer);
    }
  }

  @Test
  void aMemberCannotSpeakForAnother() throws InterruptedException {
    try (RawPeer peer = connectAs(TestTransports.CLUSTER, "a", TestTransports.SECRET)) {
      StepVerifier.create(peer.send(vote("b")))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .isInstanceOf(RejectedException.class)
                      .hasMessageContaining("from b"))
          .verify(TIMEOUT);
      // The connection survives the refusal.
      StepVerifier.create(peer.send(vote("a"))).verifyComplete();
      assertThat(inbox.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(vote("a"));
      assertThat(inbox).isEmpty();
      assertThat(transport.stats().rejectedInbound()).isEqualTo(1);
    }
  }

  @Test
  void aMemberRemovedFromThePeerListIsCutOffAndRefused() throws InterruptedException {
    try (RawPeer peer = connectAs(TestTransports.CLUSTER, "a", TestTransports.SECRET)) {
      StepVerifier.create(peer.send(vote("a"))).verifyComplete();
      assertThat(inbox.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(vote("a"));
      transport.updateMembers(List.of(b));
      Await.until(peer.socket()::isDisposed, TIMEOUT, "the removed member's connection closes");
    }
    try (RawPeer again = connectAs(TestTransports.CLUSTER, "a", TestTransports.SECRET)) {
      assertRefusedAtSetup(again);
    }
    try (RawPeer stillMember = connectAs(TestTransports.CLUSTER, "b", TestTransports.SECRET)) {
      StepVerifier.create(stillMember.send(vote("b"))).verifyComplete();
    }
  }
}
