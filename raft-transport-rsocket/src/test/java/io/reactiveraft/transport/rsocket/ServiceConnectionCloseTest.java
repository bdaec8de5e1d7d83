package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThatCode;

import io.reactiveraft.Member;
import io.reactiveraft.message.VoteRequest;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A transport whose connections a service opened and keeps (they are the service's to close) must
 * still close promptly while requests on them wait for answers that will not come.
 */
class ServiceConnectionCloseTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @Test
  void closeDoesNotWaitForTheTimeoutsOfRequestsOnConnectionsTheServiceKeeps() {
    // A peer that takes every request and never answers.
    AtomicInteger received = new AtomicInteger();
    CloseableChannel silent =
        RSocketServer.create(
                (setup, socket) ->
                    Mono.just(
                        new RSocket() {
                          @Override
                          public Mono<Payload> requestResponse(Payload payload) {
                            payload.release();
                            received.incrementAndGet();
                            return Mono.never();
                          }
                        }))
            .bind(TcpServerTransport.create(Loopback.HOST, 0))
            .block(TIMEOUT);
    List<RSocket> dialled = new CopyOnWriteArrayList<>();
    RSocketTransport embedded =
        TestTransports.builder()
            .listen(false)
            .requestTimeout(Duration.ofSeconds(60))
            .connector(
                peer ->
                    RSocketConnector.create()
                        .setupPayload(
                            RaftSetup.payload(
                                TestTransports.CLUSTER,
                                "a",
                                peer.id(),
                                TestTransports.SECRET.getBytes()))
                        .dataMimeType(RaftSetup.MIME_TYPE)
                        .connect(TcpClientTransport.create(silent.address()))
                        .doOnNext(dialled::add))
            .build();
    try {
      embedded
          .start(
              new Member("a", Loopback.HOST + ":1"),
              List.of(new Member("b", Loopback.HOST + ":" + silent.address().getPort())))
          .subscribe();
      embedded.send(new VoteRequest("a", "b", 1, 0, 0, false));
      // Received, so sent: its 60 s timeout was armed as it was sent.
      Await.until(() -> received.get() == 1, TIMEOUT, "the peer got the request");

      // The request's timeout is still pending; the close must not wait for it.
      assertThatCode(() -> embedded.close().block(TIMEOUT)).doesNotThrowAnyException();
    } finally {
      embedded.close().block(TIMEOUT); // closed already unless something above failed
      dialled.forEach(RSocket::dispose);
      silent.dispose();
      silent.onClose().block(TIMEOUT);
    }
  }
}
