package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.reactiveraft.Member;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** Peers that speak TLS to each other; a plain-text client gets nowhere. */
// SelfSignedCertificate is deprecated in Netty 4.2 in favour of netty-pkitesting, which this build
// does not have; it still works offline on Java 17 by running the JDK's keytool.
@SuppressWarnings("deprecation")
class TlsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private SelfSignedCertificate certificate;
  private RSocketTransport a;
  private RSocketTransport b;
  private final BlockingQueue<RaftMessage> atA = new LinkedBlockingQueue<>();
  private final BlockingQueue<RaftMessage> atB = new LinkedBlockingQueue<>();
  private Disposable inboundA;
  private Disposable inboundB;
  // Peers are dialled by the name on the certificate (hostname verification is on), while the
  // transports listen on 127.0.0.1.
  private final int portA = Loopback.freePort();
  private final int portB = Loopback.freePort();
  private final Member memberA = new Member("a", "localhost:" + portA);
  private final Member memberB = new Member("b", "localhost:" + portB);

  @BeforeEach
  void start() throws CertificateException, SSLException {
    // Netty generates the pair with the JDK's keytool when BouncyCastle is absent, offline.
    certificate = new SelfSignedCertificate("localhost");
    SslContext server =
        SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build();
    SslContext client = SslContextBuilder.forClient().trustManager(certificate.cert()).build();
    a = tls(server, client).bindAddress(Loopback.HOST + ":" + portA).build();
    b = tls(server, client).bindAddress(Loopback.HOST + ":" + portB).build();
    inboundA = a.start(memberA, List.of(memberB)).subscribe(atA::add);
    inboundB = b.start(memberB, List.of(memberA)).subscribe(atB::add);
  }

  private static RSocketTransportBuilder tls(SslContext server, SslContext client) {
    return TestTransports.builder().serverTls(server).clientTls(client);
  }

  @AfterEach
  void stop() {
    inboundA.dispose();
    inboundB.dispose();
    a.close().block(TIMEOUT);
    b.close().block(TIMEOUT);
    certificate.delete();
  }

  @Test
  void messagesRoundTripOverTls() throws InterruptedException {
    VoteRequest request = new VoteRequest("a", "b", 2, 5, 1, false);
    a.send(request);
    assertThat(atB.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(request);
    VoteResponse response = new VoteResponse("b", "a", 2, true, false);
    b.send(response);
    assertThat(atA.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(response);
    // The acknowledgement of a's request comes back on a's connection, the response on b's: either
    // may arrive first.
    Await.until(() -> a.stats().acknowledged() == 1, TIMEOUT, "a's request acknowledged");
  }

  @Test
  void aPlainTextPeerCannotConnect() {
    RSocketTransport plain = TestTransports.builder().build();
    Member self = new Member("a", Loopback.freeAddress());
    try {
      plain.start(self, List.of(memberB)).subscribe();
      plain.send(new VoteRequest("a", "b", 2, 5, 1, false));
      Await.until(
          () -> plain.stats().dropped() + plain.stats().failed() == 1,
          TIMEOUT,
          "the message fails over plain TCP");
      assertThat(atB).isEmpty();
    } finally {
      plain.close().block(TIMEOUT);
    }
  }
}
