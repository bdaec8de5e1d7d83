package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteRequest;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketConnector;
import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.DefaultPayload;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A service that already runs an RSocket server carries Raft on its own port, next to its own
 * traffic, and opens Raft connections with its own client.
 */
class EmbeddingTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private CloseableChannel service;
  private RSocketTransport embedded;
  private RSocketTransport standalone;
  private RSocket serviceClient;
  private final List<RSocket> serviceDialled = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (serviceClient != null) {
      serviceClient.dispose();
    }
    // Connections the service opened are the service's to close, not the transport's.
    serviceDialled.forEach(RSocket::dispose);
    embedded.close().block(TIMEOUT);
    standalone.close().block(TIMEOUT);
    service.dispose();
    service.onClose().block(TIMEOUT);
  }

  /** The service's own traffic: an echo, to show it still works on the shared port. */
  private static RSocket echo() {
    return new RSocket() {
      @Override
      public Mono<Payload> requestResponse(Payload payload) {
        try {
          return Mono.just(DefaultPayload.create("echo:" + payload.getDataUtf8()));
        } finally {
          payload.release();
        }
      }
    };
  }

  @Test
  void raftTrafficSharesAServicePortAndTravelsOnConnectionsTheServiceOpens()
      throws InterruptedException {
    String serviceAddress = Loopback.freeAddress();
    Member a = new Member("a", serviceAddress);
    Member b = new Member("b", Loopback.freeAddress());

    // Member a lives inside the service: no port of its own, and the service's client dials out.
    AtomicInteger dials = new AtomicInteger();
    Function<Member, Mono<RSocket>> serviceConnector =
        peer -> {
          dials.incrementAndGet();
          return RSocketConnector.create()
              .setupPayload(
                  RaftSetup.payload(
                      TestTransports.CLUSTER, "a", peer.id(), TestTransports.SECRET.getBytes()))
              .dataMimeType(RaftSetup.MIME_TYPE)
              .connect(TcpClientTransport.create(Loopback.HOST, Loopback.port(peer.address())))
              .doOnNext(serviceDialled::add);
        };
    embedded = TestTransports.builder().listen(false).connector(serviceConnector).build();
    SocketAcceptor raft = embedded.socketAcceptor();
    SocketAcceptor serviceAcceptor =
        (setup, sendingSocket) ->
            RaftSetup.isRaft(setup) ? raft.accept(setup, sendingSocket) : Mono.just(echo());
    service =
        RSocketServer.create(serviceAcceptor)
            .bind(TcpServerTransport.create(Loopback.HOST, Loopback.port(serviceAddress)))
            .block(TIMEOUT);

    BlockingQueue<RaftMessage> atA = new LinkedBlockingQueue<>();
    BlockingQueue<RaftMessage> atB = new LinkedBlockingQueue<>();
    embedded.start(a, List.of(b)).subscribe(atA::add);
    assertThat(embedded.boundAddress()).isEmpty();
    standalone = TestTransports.builder().build();
    standalone.start(b, List.of(a)).subscribe(atB::add);

    // b dials the service's port; the service hands the Raft connection to a's transport.
    VoteRequest toA = new VoteRequest("b", "a", 4, 9, 3, true);
    standalone.send(toA);
    assertThat(atA.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(toA);

    // a answers through the connection the service opened for it.
    AppendEntriesResponse toB = new AppendEntriesResponse("a", "b", 4, true, 9, 0, 0);
    embedded.send(toB);
    assertThat(atB.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(toB);
    assertThat(dials).hasValue(1);

    // The service's own clients still get their echo on the same port.
    serviceClient =
        RSocketConnector.connectWith(
                TcpClientTransport.create(Loopback.HOST, Loopback.port(serviceAddress)))
            .block(TIMEOUT);
    Payload answer = serviceClient.requestResponse(DefaultPayload.create("ping")).block(TIMEOUT);
    assertThat(answer.getDataUtf8()).isEqualTo("echo:ping");
    answer.release();
  }
}
