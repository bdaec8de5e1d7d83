package io.reactiveraft.transport.rsocket;

import io.netty.buffer.ByteBufAllocator;
import io.reactiveraft.Member;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.Transport;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketServer;
import io.rsocket.frame.decoder.PayloadDecoder;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.ByteBufPayload;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.netty.tcp.TcpServer;

/**
 * The RSocket peer transport: each Raft message travels as one RSocket request-response to its
 * receiver.
 *
 * <p><b>Mapping.</b> The sender encodes the message with {@link RaftFrameCodec} and issues a
 * request-response on its connection to the receiver. The receiver's responder decodes it, hands it
 * to the {@code Flux} that {@link #start} returned, and answers with an empty acknowledgement (an
 * RSocket COMPLETE frame), or with an RSocket error when the frame is malformed, too large, for
 * another group, or from a sender other than the member its connection authenticated as.
 *
 * <p>AppendEntries, the traffic that matters, is answered differently: its RSocket response stays
 * open until the follower's {@code AppendEntriesResponse}, and carries it back, so a replication
 * round trip costs two frames rather than four. The follower answers on its own schedule, only once
 * its log is durable and cumulatively (one answer may cover several pipelined requests), so an
 * answer rides on the newest open request it covers and the requests before it are completed empty
 * at that moment. An answer with no open request to carry it (its requester stopped waiting)
 * travels as a request of its own on the answering member's connection, as every other message
 * does: votes, snapshot answers, read indexes, forwarded commands. An AppendEntries therefore holds
 * its window slot until the follower's disk has it; the node's own replication window, far smaller
 * than the transport's, bounds how many do.
 *
 * <p><b>Connections.</b> Each member opens one connection to each peer it sends to, lazily on the
 * first message, and reopens it after a failure with exponential backoff and jitter. Its SETUP
 * frame carries the cluster id, the member id and an HMAC-SHA256 token of both keyed with the
 * shared secret (see {@link RaftSetup}); the receiver refuses a wrong cluster id, a wrong token, or
 * a member not in its current peer list ({@link #updateMembers}). At most {@code
 * maxInFlightPerPeer} requests are in flight to a peer, each with a timeout, so a peer that stops
 * answering cannot hold the window; a message that finds the window full, or the peer down, is
 * dropped and counted in {@link #stats()}: Raft retransmits.
 *
 * <p><b>Embedding.</b> A service that runs its own RSocket server can serve Raft on its port: build
 * with {@code listen(false)}, and let its server's acceptor hand connections for which {@link
 * RaftSetup#isRaft} holds to {@link #socketAcceptor()}. It can also supply the outbound connections
 * with {@link RSocketTransportBuilder#connector}.
 *
 * <p><b>Snapshots.</b> A snapshot travels as {@code InstallSnapshotRequest} chunks, each one
 * request-response like any other message, answered by an {@code InstallSnapshotResponse} request
 * of the follower's own. The leader sends the next chunk only once the previous one is answered, so
 * Raft itself is the flow control and one chunk at a time is in memory at each end; a chunk (the
 * node's {@code snapshotChunkBytes} plus a header of the configuration's size) must fit {@code
 * maxFrameSize}.
 *
 * <p><b>Threads.</b> {@link #send} never blocks; it runs on the caller's thread (the node's event
 * loop) up to handing the frame to RSocket. Inbound messages are emitted on the transport's Netty
 * threads. The transport owns daemon threads named {@code raft-rsocket-<member>-*} from {@link
 * #start} (or from {@link #eventLoop}, which lends the node its one IO thread) to the completion of
 * {@link #close}. All public methods are thread-safe.
 */
public final class RSocketTransport implements Transport {

  private static final Logger log = LoggerFactory.getLogger(RSocketTransport.class);

  /**
   * The largest payload a server that carries Raft should put together from fragments ({@code
   * RSocketServer.maxInboundPayloadSize}): the largest frame RSocket's TCP framing can express, a
   * 24-bit length, which holds any message of this transport. RSocket's own default sets no limit,
   * so a connection past its handshake could make the server buffer any amount.
   */
  public static final int MAX_INBOUND_PAYLOAD_SIZE = (1 << 24) - 1;

  private final TransportSettings settings;
  private final TransportCounters counters = new TransportCounters();
  private final InboundMessages inbound = new InboundMessages();
  private final OpenExchanges exchanges = new OpenExchanges();
  private final PeerAuthenticator authenticator;
  private final RaftSocketAcceptor acceptor;
  private final InboundDispatcher dispatcher;
  private final Sinks.Empty<Void> closed = Sinks.empty();

  // Guarded by this.
  private Member self;
  private TransportResources resources;
  private Function<Member, Mono<RSocket>> connector;
  private CloseableChannel server;
  private boolean closing;

  private volatile Map<String, PeerLink> links = Map.of();
  private volatile boolean sending;

  RSocketTransport(TransportSettings settings) {
    this.settings = settings;
    this.authenticator = new PeerAuthenticator(settings.clusterId(), settings.secret());
    this.dispatcher =
        new InboundDispatcher(
            settings.group(), settings.maxFrameSize(), authenticator, inbound, exchanges, counters);
    this.acceptor = new RaftSocketAcceptor(authenticator, dispatcher, counters);
  }

  /** A builder; cluster id and shared secret are required. */
  public static RSocketTransportBuilder builder() {
    return new RSocketTransportBuilder();
  }

  /**
   * Lends the node its one IO thread when it has exactly one of its own ({@code ioThreads(1)}, the
   * default, and no {@code loopResources} or {@code connector} of the caller's): see {@link
   * Transport#eventLoop}. The thread then carries the node's loop, its timers and the transport's
   * own connections (with {@code listen(false)}, inbound ones arrive on the embedding server's
   * threads), and ends when the transport's close completes.
   */
  @Override
  public synchronized Optional<Scheduler> eventLoop(String selfId) {
    if (closing
        || self != null
        || settings.ioThreads() != 1
        || settings.loops() != null
        || settings.connector() != null) {
      return Optional.empty();
    }
    if (resources == null) {
      resources = new TransportResources(selfId, 1, null);
    }
    return Optional.of(resources.eventLoop());
  }

  /**
   * Starts serving {@code self}: creates the transport's threads, binds its port (unless built with
   * {@code listen(false)}), and accepts connections from {@code peers}. Blocks the caller while the
   * port is bound.
   *
   * @return the inbound messages, for one subscriber; they complete when the transport closes
   * @throws IllegalStateException when started twice or after close, or when the port cannot be
   *     bound (the transport is then closed)
   * @throws IllegalArgumentException when an address is not {@code host:port}
   */
  @Override
  public Flux<RaftMessage> start(Member self, Iterable<Member> peers) {
    HostPort bindAt;
    synchronized (this) {
      if (closing) {
        throw new IllegalStateException("the transport is closed");
      }
      if (this.self != null) {
        throw new IllegalStateException("the transport was already started for " + this.self);
      }
      if (resources != null && !resources.memberId().equals(self.id())) {
        throw new IllegalStateException(
            "the transport lent its event loop to " + resources.memberId() + ", not " + self.id());
      }
      bindAt =
          HostPort.parse(settings.bindAddress() != null ? settings.bindAddress() : self.address());
      if (settings.connector() == null) {
        // Dialled over TCP: an address that is not host:port would fail every attempt, quietly.
        for (Member peer : peers) {
          if (!peer.id().equals(self.id())) {
            parsePeerAddress(peer);
          }
        }
      }
      this.self = self;
      if (resources == null) {
        resources = new TransportResources(self.id(), settings.ioThreads(), settings.loops());
      }
      connector =
          settings.connector() != null
              ? settings.connector()
              : new TcpPeerConnector(settings, self.id(), resources.loops());
      dispatcher.serve(self.id());
      updateMembers(peers);
      acceptor.serving(true);
      sending = true;
    }
    if (settings.listen()) {
      CloseableChannel channel;
      try {
        channel = bind(bindAt);
      } catch (RuntimeException e) {
        close().block(TransportSettings.LIFECYCLE_TIMEOUT);
        throw new IllegalStateException(
            self.id() + " cannot listen on " + bindAt.host() + ":" + bindAt.port(), e);
      }
      boolean kept;
      synchronized (this) {
        kept = !closing;
        if (kept) {
          server = channel;
        }
      }
      if (!kept) {
        // close() ran while the port was being bound, and could not see it.
        channel.dispose();
        channel.onClose().block(TransportSettings.LIFECYCLE_TIMEOUT);
        throw new IllegalStateException("the transport was closed while starting");
      }
      log.info("{} listening on {}", self.id(), channel.address());
    }
    return inbound.flux();
  }

  /**
   * Sends {@code message} to its receiver without blocking; drops it (and counts it) when the
   * peer's window is full, the peer is unreachable, or the transport is closed.
   *
   * @throws IllegalArgumentException when the receiver is not a current peer
   * @throws IllegalStateException before {@link #start}
   */
  @Override
  public void send(RaftMessage message) {
    if (!sending) {
      synchronized (this) {
        if (self == null) {
          throw new IllegalStateException("send before start");
        }
      }
      counters.dropped();
      return;
    }
    PeerLink link = links.get(message.to());
    if (link == null) {
      if (!sending) {
        counters.dropped(); // closed since the check above, which cleared the links
        return;
      }
      throw new IllegalArgumentException(message.to() + " is not a peer of " + self.id());
    }
    if (message instanceof AppendEntriesResponse answer && answerOnItsRequest(answer)) {
      return;
    }
    link.send(message);
  }

  private boolean answerOnItsRequest(AppendEntriesResponse answer) {
    try {
      boolean answered =
          exchanges.answer(
              answer,
              () ->
                  ByteBufPayload.create(
                      RaftFrameCodec.encode(
                          ByteBufAllocator.DEFAULT,
                          settings.group(),
                          answer,
                          settings.maxFrameSize())));
      if (answered) {
        counters.answered();
      }
      return answered;
    } catch (RuntimeException e) {
      counters.dropped();
      log.warn("dropped an answer to {}: {}", answer.to(), e.getMessage());
      return true;
    }
  }

  private static void parsePeerAddress(Member peer) {
    try {
      HostPort.parse(peer.address());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the address of member " + peer.id() + " is not host:port: " + peer.address(), e);
    }
  }

  /**
   * Replaces the peer list: connections are opened to new members (lazily, as always), links to
   * removed ones are closed, a member whose address changed is redialled, and connections from
   * members no longer listed are cut and refused from now on. This node's own id is ignored.
   *
   * @throws IllegalStateException before {@link #start}
   * @throws IllegalArgumentException when two peers share an id
   */
  public synchronized void updateMembers(Iterable<Member> peers) {
    if (self == null) {
      throw new IllegalStateException("updateMembers before start");
    }
    if (closing) {
      return;
    }
    Map<String, Member> next = new LinkedHashMap<>();
    for (Member m : peers) {
      if (!m.id().equals(self.id()) && next.put(m.id(), m) != null) {
        throw new IllegalArgumentException("two peers are named " + m.id());
      }
    }
    authenticator.allow(self.id(), next.keySet());
    Map<String, PeerLink> current = links;
    Map<String, PeerLink> updated = new HashMap<>();
    for (Member m : next.values()) {
      PeerLink link = current.get(m.id());
      if (link == null || !link.connection().peer().equals(m)) {
        link = newLink(m);
        if (settings.connector() == null) {
          try {
            parsePeerAddress(m);
          } catch (IllegalArgumentException e) {
            // The configuration holding it is in the log already: say why it stays unreachable.
            log.error("{}; it cannot be reached until its address is fixed", e.getMessage());
          }
        }
      }
      updated.put(m.id(), link);
    }
    links = Map.copyOf(updated);
    current.forEach(
        (id, link) -> {
          if (updated.get(id) != link) {
            link.close().subscribe();
          }
        });
    acceptor.retainOnly(next.keySet());
  }

  /**
   * The node's membership changed: same as {@link #updateMembers}. Called on the node's event loop;
   * does not block (it computes the new members' tokens and starts closing dropped connections).
   */
  @Override
  public void updatePeers(Iterable<Member> peers) {
    updateMembers(peers);
  }

  /**
   * {@code tcp}, closing at once every connection whose first frame claims more than 64 KiB. A
   * SETUP frame is far smaller, and RSocket buffers a frame whole (up to 16 MiB) before anyone has
   * checked who sent it; this transport's own port is guarded so, and a service that mounts Raft on
   * its own server should guard that server's {@code TcpServer} too.
   */
  public static TcpServer guardFirstFrame(TcpServer tcp) {
    return FirstFrameGuard.guard(tcp);
  }

  /**
   * The acceptor of this transport's inbound connections, to mount Raft on a service's own RSocket
   * server: hand it the connections whose SETUP satisfies {@link RaftSetup#isRaft}. It
   * authenticates each connection as this transport's own port does, and refuses every connection
   * before {@link #start} and after {@link #close}. Thread-safe.
   */
  public SocketAcceptor socketAcceptor() {
    return acceptor;
  }

  /** The address the transport listens on; empty before start, after close, or when embedded. */
  public synchronized Optional<InetSocketAddress> boundAddress() {
    return server == null || closing ? Optional.empty() : Optional.of(server.address());
  }

  /** The counters of sent, acknowledged, failed, dropped and refused traffic so far. */
  public RSocketTransportStats stats() {
    return counters.snapshot();
  }

  /**
   * Closes the port, the connections in both directions and the transport's threads; completes the
   * inbound messages. The returned {@code Mono} completes once all of it is released (each step is
   * bounded by a timeout). Idempotent: every call returns the same completion.
   */
  @Override
  public Mono<Void> close() {
    return Mono.defer(
        () -> {
          Mono<Void> shutdown = null;
          synchronized (this) {
            if (!closing) {
              closing = true;
              shutdown = shutdown();
            }
          }
          if (shutdown != null) {
            shutdown.subscribe(
                null,
                e -> {
                  log.warn("closing the transport failed", e);
                  closed.tryEmitEmpty();
                },
                closed::tryEmitEmpty);
          }
          return closed.asMono();
        });
  }

  /**
   * Stops sending and accepting at once; called once, holding the lock, by {@link #close}. Returns
   * the release work, which {@link #close} runs after letting go of the lock, so that subscribers
   * completed with the inbound messages never run under it.
   */
  private Mono<Void> shutdown() {
    sending = false;
    acceptor.serving(false);
    Map<String, PeerLink> closing = links;
    links = Map.of();
    Mono<Void> inboundCompleted = Mono.fromRunnable(inbound::complete);
    if (resources == null) {
      return inboundCompleted;
    }
    CloseableChannel listening = server;
    Mono<Void> serverClosed =
        listening == null
            ? Mono.empty()
            : Mono.fromRunnable(listening::dispose).then(listening.onClose());
    Mono<Void> linksClosed = Flux.fromIterable(closing.values()).flatMap(PeerLink::close).then();
    Mono<Void> inboundClosed =
        acceptor.closeAll(TransportSettings.LIFECYCLE_TIMEOUT, resources.timer());
    TransportResources owned = resources;
    String who = owned.memberId(); // self is null when closed unstarted after lending its loop
    return inboundCompleted
        .then(Mono.when(serverClosed, linksClosed, inboundClosed))
        .timeout(TransportSettings.LIFECYCLE_TIMEOUT, resources.timer())
        .onErrorResume(
            e -> {
              log.warn("{}: connections did not close cleanly: {}", who, e.toString());
              return Mono.empty();
            })
        .then(Mono.defer(owned::dispose))
        .doOnSuccess(v -> log.debug("{}: transport closed", who));
  }

  private PeerLink newLink(Member peer) {
    PeerConnection connection =
        new PeerConnection(
            peer,
            connector,
            settings.connector() == null,
            settings.reconnectBackoff(),
            settings.connectTimeout(),
            resources.timer());
    return new PeerLink(
        connection,
        settings.group(),
        settings.maxFrameSize(),
        settings.maxInFlightPerPeer(),
        settings.requestTimeout(),
        resources.timer(),
        dispatcher,
        counters);
  }

  private CloseableChannel bind(HostPort at) {
    TcpServer tcp = TcpServer.create().runOn(resources.loops()).host(at.host()).port(at.port());
    if (settings.serverTls() != null) {
      tcp = tcp.secure(spec -> spec.sslContext(settings.serverTls()));
    }
    return RSocketServer.create(acceptor)
        .payloadDecoder(PayloadDecoder.ZERO_COPY)
        // RSocket itself admits anything a TCP frame can hold (16 MiB), so that a frame over our
        // own, smaller limit reaches the dispatcher and gets an RSocket error back rather than a
        // closed connection.
        .maxInboundPayloadSize(MAX_INBOUND_PAYLOAD_SIZE)
        .maxTimeToFirstFrame(TransportSettings.SETUP_TIMEOUT)
        .bind(TcpServerTransport.create(guardFirstFrame(tcp)))
        .block(TransportSettings.LIFECYCLE_TIMEOUT);
  }
}
