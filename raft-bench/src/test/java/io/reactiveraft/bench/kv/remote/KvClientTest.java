package io.reactiveraft.bench.kv.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.bench.kv.KvCommand;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketServer;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.DefaultPayload;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The client's resend rules against scripted nodes: what it resends, with which session numbers,
 * where it goes next, and when it reports ok, fail or info.
 */
class KvClientTest {

  private static final byte[] SECRET =
      "client test secret, long enough".getBytes(StandardCharsets.UTF_8);

  private final List<StubNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(StubNode::close);
  }

  /** A node that answers each request with the next scripted reply, and records the requests. */
  private final class StubNode {
    final Queue<Supplier<Mono<KvReply>>> script = new ConcurrentLinkedQueue<>();
    final List<KvRequest> received = new CopyOnWriteArrayList<>();
    final CloseableChannel channel;

    StubNode() {
      KvClientSetup check = new KvClientSetup(KvServer.CLUSTER_ID, SECRET);
      channel =
          RSocketServer.create(
                  (setup, socket) -> {
                    try {
                      check.authenticate(setup);
                    } catch (RejectedSetupException e) {
                      return Mono.error(e);
                    }
                    return Mono.just(responder());
                  })
              .bind(TcpServerTransport.create("127.0.0.1", 0))
              .block(Duration.ofSeconds(10));
      nodes.add(this);
    }

    private RSocket responder() {
      return new RSocket() {
        @Override
        public Mono<Payload> requestResponse(Payload payload) {
          try {
            received.add(KvRequest.decode(payload.sliceData()));
          } finally {
            payload.release();
          }
          Supplier<Mono<KvReply>> next = script.poll();
          Mono<KvReply> reply =
              next != null ? next.get() : Mono.just(KvReply.of(KvReply.Status.OK, "default"));
          return reply.map(r -> DefaultPayload.create(r.encode()));
        }
      };
    }

    StubNode then(KvReply.Status status, String text) {
      script.add(() -> Mono.just(KvReply.of(status, text)));
      return this;
    }

    StubNode thenNotLeader(String leaderAddress) {
      script.add(
          () ->
              Mono.just(new KvReply(KvReply.Status.NOT_LEADER, "not leader", "x", leaderAddress)));
      return this;
    }

    StubNode thenSilence() {
      script.add(Mono::never);
      return this;
    }

    String address() {
      return "127.0.0.1:" + channel.address().getPort();
    }

    void close() {
      channel.dispose();
    }
  }

  private static KvClient client(Duration budget, StubNode... at) {
    List<String> addresses = new ArrayList<>();
    for (StubNode n : at) {
      addresses.add(n.address());
    }
    return new KvClient(addresses, SECRET, budget);
  }

  @Test
  void anUnknownOutcomeIsResentInTheSameSessionSlot() {
    StubNode node =
        new StubNode().then(KvReply.Status.UNKNOWN, "timed out").then(KvReply.Status.OK, "old");
    try (KvClient client = client(Duration.ofSeconds(5), node)) {
      assertThat(client.execute(KvCommand.put("k", "v"))).isEqualTo(KvOutcome.ok(null));
      assertThat(client.execute(KvCommand.put("k", "w")).kind()).isEqualTo(KvOutcome.Kind.OK);
    }
    assertThat(node.received).extracting(KvRequest::sequence).containsExactly(1L, 1L, 2L);
    assertThat(node.received)
        .extracting(KvRequest::clientId)
        .containsOnly(node.received.get(0).clientId());
  }

  @Test
  void aFollowersLeaderHintIsFollowed() {
    StubNode leader = new StubNode().then(KvReply.Status.OK, "value");
    StubNode follower = new StubNode().thenNotLeader(leader.address());
    try (KvClient client = client(Duration.ofSeconds(5), follower)) {
      assertThat(client.execute(KvCommand.get("k"))).isEqualTo(KvOutcome.ok("value"));
    }
    assertThat(follower.received).hasSize(1);
    assertThat(leader.received).hasSize(1);
  }

  @Test
  void aWriteThatSurelyMissedTheLogLeavesItsNumberToTheNext() {
    StubNode node =
        new StubNode()
            .thenNotLeader(null)
            .then(KvReply.Status.RETRY, "overloaded")
            .then(KvReply.Status.OK, null)
            .then(KvReply.Status.REJECTED, "bad")
            .then(KvReply.Status.OK, null);
    try (KvClient client = client(Duration.ofSeconds(5), node)) {
      assertThat(client.execute(KvCommand.put("a", "1")).kind()).isEqualTo(KvOutcome.Kind.OK);
      assertThat(client.execute(KvCommand.put("b", "1")))
          .isEqualTo(KvOutcome.fail("rejected: bad"));
      assertThat(client.execute(KvCommand.put("c", "1")).kind()).isEqualTo(KvOutcome.Kind.OK);
    }
    assertThat(node.received).extracting(KvRequest::sequence).containsExactly(1L, 1L, 1L, 2L, 2L);
  }

  @Test
  void aCasMismatchFailsAndUsesItsNumber() {
    StubNode node =
        new StubNode().then(KvReply.Status.CAS_MISMATCH, "x").then(KvReply.Status.OK, null);
    try (KvClient client = client(Duration.ofSeconds(5), node)) {
      assertThat(client.execute(KvCommand.cas("k", "a", "b")))
          .isEqualTo(KvOutcome.fail("cas mismatch: the value is x"));
      client.execute(KvCommand.delete("k"));
    }
    assertThat(node.received).extracting(KvRequest::sequence).containsExactly(1L, 2L);
  }

  @Test
  void aWriteLeftWithoutAnswerIsInfoWhenTheBudgetRunsOut() {
    StubNode node = new StubNode().thenSilence().thenSilence().thenSilence();
    // The budget also pays for connecting, so it leaves room for a slow first connection: the
    // request must have gone out for the outcome to be unknown.
    try (KvClient client = client(Duration.ofSeconds(3), node)) {
      KvOutcome outcome = client.execute(KvCommand.put("k", "v"));
      assertThat(outcome.kind()).as(outcome.line()).isEqualTo(KvOutcome.Kind.INFO);
      assertThat(outcome.text()).startsWith("outcome unknown after 3000 ms");
    }
  }

  /** A request too large to send is definitely not applied: a failure, and nothing is sent. */
  @Test
  void aRequestTooLargeToSendFails() {
    StubNode node = new StubNode();
    try (KvClient client = client(Duration.ofSeconds(5), node)) {
      KvOutcome outcome =
          client.execute(KvCommand.put("k", "v".repeat(KvClient.MAX_REQUEST_BYTES)));
      assertThat(outcome.kind()).as(outcome.line()).isEqualTo(KvOutcome.Kind.FAIL);
      assertThat(outcome.text()).startsWith("too large");
    }
    assertThat(node.received).isEmpty();
  }

  /** Two nodes whose stale hints name each other do not keep an operation from the others. */
  @Test
  void hintsThatNameEachOtherDoNotHideTheLeader() {
    StubNode a = new StubNode();
    StubNode b = new StubNode();
    StubNode leader = new StubNode().then(KvReply.Status.OK, "value");
    for (int i = 0; i < 100; i++) {
      a.thenNotLeader(b.address());
      b.thenNotLeader(a.address());
    }
    try (KvClient client = client(Duration.ofSeconds(5), a, b, leader)) {
      assertThat(client.execute(KvCommand.get("k"))).isEqualTo(KvOutcome.ok("value"));
    }
    assertThat(leader.received).hasSize(1);
  }

  @Test
  void noLeaderWithinTheBudgetIsAFailure() {
    StubNode node = new StubNode();
    for (int i = 0; i < 100; i++) {
      node.thenNotLeader(null);
    }
    try (KvClient client = client(Duration.ofMillis(300), node)) {
      KvOutcome outcome = client.execute(KvCommand.put("k", "v"));
      assertThat(outcome.kind()).as(outcome.line()).isEqualTo(KvOutcome.Kind.FAIL);
      assertThat(outcome.text()).startsWith("no answer within 300 ms");
    }
  }

  @Test
  void anExpiredSessionIsReplacedWhenNoEarlierAttemptMayHaveApplied() {
    StubNode node =
        new StubNode()
            .then(KvReply.Status.OK, null)
            .then(KvReply.Status.SESSION_EXPIRED, "expired")
            .then(KvReply.Status.OK, null);
    try (KvClient client = client(Duration.ofSeconds(5), node)) {
      client.execute(KvCommand.put("a", "1"));
      assertThat(client.execute(KvCommand.put("b", "1")).kind()).isEqualTo(KvOutcome.Kind.OK);
    }
    assertThat(node.received).extracting(KvRequest::sequence).containsExactly(1L, 2L, 1L);
    assertThat(node.received.get(2).clientId()).isNotEqualTo(node.received.get(1).clientId());
  }

  @Test
  void anExpiredSessionAfterAnUnknownAttemptIsInfo() {
    StubNode node =
        new StubNode()
            .then(KvReply.Status.UNKNOWN, "timed out")
            .then(KvReply.Status.SESSION_EXPIRED, "expired");
    try (KvClient client = client(Duration.ofSeconds(5), node)) {
      assertThat(client.execute(KvCommand.put("a", "1")).kind()).isEqualTo(KvOutcome.Kind.INFO);
    }
    assertThat(node.received).hasSize(2);
  }

  @Test
  void theWrongSecretIsRefused() {
    StubNode node = new StubNode();
    try (KvClient client =
        new KvClient(
            List.of(node.address()),
            "another secret, also long enough".getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(5))) {
      KvOutcome outcome = client.execute(KvCommand.get("k"));
      assertThat(outcome.kind()).isEqualTo(KvOutcome.Kind.FAIL);
      assertThat(outcome.text()).contains("bad client token");
    }
    assertThat(node.received).isEmpty();
  }
}
