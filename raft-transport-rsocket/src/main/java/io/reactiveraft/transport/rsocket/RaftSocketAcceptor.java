package io.reactiveraft.transport.rsocket;

import io.rsocket.ConnectionSetupPayload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.exceptions.RejectedSetupException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Accepts inbound peer connections: authenticates the SETUP frame, and gives each accepted
 * connection a {@link PeerResponder} bound to the member it authenticated as. Keeps the accepted
 * connections so that a member removed from the cluster, or the transport closing, cuts them.
 *
 * <p>A refused SETUP is answered with RSocket's {@code REJECTED_SETUP} error, which closes that
 * connection only. Thread-safe; {@link #accept} runs on Netty threads.
 */
final class RaftSocketAcceptor implements SocketAcceptor {

  private static final Logger log = LoggerFactory.getLogger(RaftSocketAcceptor.class);

  private final PeerAuthenticator authenticator;
  private final InboundDispatcher dispatcher;
  private final TransportCounters counters;
  private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(1));
  private final Map<RSocket, String> connections = new ConcurrentHashMap<>();
  private volatile boolean serving;

  RaftSocketAcceptor(
      PeerAuthenticator authenticator, InboundDispatcher dispatcher, TransportCounters counters) {
    this.authenticator = authenticator;
    this.dispatcher = dispatcher;
    this.counters = counters;
  }

  @Override
  public Mono<RSocket> accept(ConnectionSetupPayload setup, RSocket sendingSocket) {
    String member;
    try {
      if (!serving) {
        throw new RejectedSetupException("not serving");
      }
      if (!RaftSetup.isRaft(setup)) {
        throw new RejectedSetupException("not a Raft connection: " + setup.dataMimeType());
      }
      member = authenticator.authenticate(setup.sliceData());
    } catch (RejectedSetupException e) {
      return refuse(e);
    } catch (RuntimeException e) {
      log.error("failed to check a SETUP frame", e);
      return refuse(new RejectedSetupException("internal error"));
    }
    connections.put(sendingSocket, member);
    sendingSocket
        .onClose()
        .subscribe(
            null, e -> connections.remove(sendingSocket), () -> connections.remove(sendingSocket));
    if (!serving || !authenticator.allows(member)) {
      // close() or a membership change ran while we were checking: either may have swept the
      // connections before this one was listed, and so missed it.
      sendingSocket.dispose();
    }
    log.debug("accepted a connection from {}", member);
    return Mono.just(new PeerResponder(member, dispatcher));
  }

  /** Starts or stops accepting connections. */
  void serving(boolean serving) {
    this.serving = serving;
  }

  /** Closes the accepted connections of members not in {@code members}. */
  void retainOnly(Set<String> members) {
    connections.forEach(
        (socket, member) -> {
          if (!members.contains(member)) {
            log.info("closing the connection from {}: no longer a member", member);
            socket.dispose();
          }
        });
  }

  /** Closes every accepted connection; completes when they are closed, within {@code timeout}. */
  Mono<Void> closeAll(Duration timeout, Scheduler timer) {
    return Flux.fromIterable(connections.keySet())
        .flatMap(
            socket -> {
              socket.dispose();
              return socket.onClose().onErrorResume(e -> Mono.empty());
            })
        .then()
        .timeout(timeout, Mono.empty(), timer);
  }

  /**
   * Refuses a SETUP. The reason goes to this member's log only: told to the caller, "not a member"
   * against "bad token" would let anyone list the member ids. It is logged with control characters
   * masked and its length capped, since the ids in it are the caller's words.
   */
  private Mono<RSocket> refuse(RejectedSetupException e) {
    counters.rejectedConnection();
    String reason = printable(e.getMessage());
    if (throttle.permit()) {
      log.warn("refused a connection: {}", reason);
    } else {
      log.debug("refused a connection: {}", reason);
    }
    return Mono.error(new RejectedSetupException(REFUSED));
  }

  /** What a refused caller is told, whatever the reason. */
  static final String REFUSED = "refused by this Raft member (its log says why)";

  private static final int MAX_LOGGED_REASON = 200;

  static String printable(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_LOGGED_REASON + 3));
    for (int i = 0; i < text.length(); i++) {
      if (out.length() == MAX_LOGGED_REASON) {
        return out.append("...").toString();
      }
      char c = text.charAt(i);
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return out.toString();
  }
}
