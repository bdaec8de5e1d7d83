package io.reactiveraft.transport.rsocket;

import io.netty.handler.ssl.SslContext;
import io.reactiveraft.Member;
import io.rsocket.RSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * Builds an {@link RSocketTransport}. Cluster id and shared secret are required; everything else
 * has a default suited to a cluster on one network. Not thread-safe; {@link #build()} validates and
 * fails with an {@link IllegalArgumentException} that names the option and its rule.
 */
public final class RSocketTransportBuilder {

  /** RSocket over TCP carries frames of at most 16 MiB; keep room for the frame header. */
  static final int MAX_FRAME_SIZE_LIMIT = (1 << 24) - 1024;

  private String bindAddress;
  private String clusterId;
  private byte[] secret;
  private String group = RaftFrameCodec.DEFAULT_GROUP;
  private int maxFrameSize = 8 << 20;
  private int maxInFlightPerPeer = 128;
  private Duration requestTimeout = Duration.ofSeconds(1);
  private Duration connectTimeout = Duration.ofSeconds(2);
  private Duration backoffMin = Duration.ofMillis(50);
  private Duration backoffMax = Duration.ofSeconds(2);
  private Duration keepAliveInterval = Duration.ofSeconds(1);
  private Duration keepAliveMaxLifetime = Duration.ofSeconds(6);
  private SslContext serverTls;
  private SslContext clientTls;
  private int ioThreads = 1;
  private LoopResources loops;
  private boolean listen = true;
  private Function<Member, Mono<RSocket>> connector;

  RSocketTransportBuilder() {}

  /**
   * Where to listen, as {@code host:port} ({@code [v6]:port} for IPv6); port 0 picks a free port,
   * which {@link RSocketTransport#boundAddress()} then reports. Default: the address of the member
   * the transport is started for. Set it to listen on another interface than the advertised one,
   * e.g. {@code 0.0.0.0:7001}.
   */
  public RSocketTransportBuilder bindAddress(String hostPort) {
    this.bindAddress = hostPort;
    return this;
  }

  /** The cluster's id; a peer that names another cluster is refused. Required. */
  public RSocketTransportBuilder clusterId(String clusterId) {
    this.clusterId = clusterId;
    return this;
  }

  /**
   * The secret every member shares, at least 16 bytes (32 random bytes recommended). Peers prove
   * they hold it with an HMAC-SHA256 token in their SETUP frame. Required; the array is copied.
   *
   * <p>Only the accepting side checks it: a member that dials trusts whoever answers at the peer's
   * address, gives it its token and counts its answers. Where another process could listen on a
   * member's address, use TLS with certificates checked ({@link #clientTls}), which proves who
   * answers.
   */
  public RSocketTransportBuilder sharedSecret(byte[] secret) {
    this.secret = secret == null ? null : secret.clone();
    return this;
  }

  /** As {@link #sharedSecret(byte[])}, with the UTF-8 bytes of {@code secret}. */
  public RSocketTransportBuilder sharedSecret(String secret) {
    return sharedSecret(secret == null ? null : secret.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The Raft group this transport serves (default {@code "default"}). Every frame names its group,
   * so that one port can later carry several groups; frames for another group are refused.
   */
  public RSocketTransportBuilder group(String group) {
    this.group = group;
    return this;
  }

  /**
   * The largest frame sent or accepted, in bytes (default 8 MiB, at most 16 MiB - 1 KiB). Keep it
   * above the node's {@code maxAppendBytes} plus about 30 bytes per entry, and above its {@code
   * snapshotChunkBytes} plus the snapshot's configuration (about 30 bytes and the id and address of
   * each member): a larger AppendEntries or snapshot chunk is dropped by its sender and refused by
   * its receiver.
   */
  public RSocketTransportBuilder maxFrameSize(int maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
    return this;
  }

  /**
   * The most requests in flight to one peer (default 128); beyond it, messages to that peer are
   * dropped until answers or timeouts free a slot. Keep it above the node's {@code
   * maxInflightAppends} plus room for heartbeats and responses.
   */
  public RSocketTransportBuilder maxInFlightPerPeer(int maxInFlightPerPeer) {
    this.maxInFlightPerPeer = maxInFlightPerPeer;
    return this;
  }

  /**
   * How long a request waits for its acknowledgement before it is abandoned (default 1 s). On the
   * transport's own connections its slot is freed when the connection closes, since its frame may
   * still be queued there, and a connection on which half the window has timed out is closed and
   * dialled again; on a service's connections the slot is freed at once. An AppendEntries is
   * acknowledged with the follower's answer, which waits for the follower's disk: keep this well
   * above a slow fsync, or answers go back as requests of their own and the requests count as
   * failed.
   */
  public RSocketTransportBuilder requestTimeout(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
    return this;
  }

  /** How long opening a connection, TLS handshake included, may take (default 2 s). */
  public RSocketTransportBuilder connectTimeout(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
    return this;
  }

  /**
   * The wait before reconnecting to a failing peer: {@code min} after the first failure, doubling
   * up to {@code max}, with jitter (default 50 ms to 2 s). A connection that worked and closed is
   * reopened at once.
   */
  public RSocketTransportBuilder reconnectBackoff(Duration min, Duration max) {
    this.backoffMin = min;
    this.backoffMax = max;
    return this;
  }

  /**
   * RSocket keepalive of the connections this transport opens (default every 1 s, closed after 6 s
   * without a keepalive), so that a peer lost without a TCP reset is noticed and redialled.
   */
  public RSocketTransportBuilder keepAlive(Duration interval, Duration maxLifetime) {
    this.keepAliveInterval = interval;
    this.keepAliveMaxLifetime = maxLifetime;
    return this;
  }

  /**
   * Serves TLS on the port this transport binds, with {@code context} (from Netty's {@code
   * SslContextBuilder.forServer}). Default: plain TCP.
   */
  public RSocketTransportBuilder serverTls(SslContext context) {
    this.serverTls = context;
    return this;
  }

  /**
   * Speaks TLS on the connections this transport opens, with {@code context} (from Netty's {@code
   * SslContextBuilder.forClient}, trusting the peers' certificates). Default: plain TCP.
   */
  public RSocketTransportBuilder clientTls(SslContext context) {
    this.clientTls = context;
    return this;
  }

  /**
   * Netty event loop threads for this transport's connections (default 1), created at start (or
   * when lent to the node) and shut down at close; plus one thread that accepts connections, and
   * one timer thread. With one, the default, the node also runs its event loop on it ({@link
   * RSocketTransport#eventLoop}): messages then cross no thread hand-off between the node and its
   * connections. More threads spread the connections of a node with many peers; the node then runs
   * on a thread of its own.
   */
  public RSocketTransportBuilder ioThreads(int ioThreads) {
    this.ioThreads = ioThreads;
    return this;
  }

  /**
   * Runs the transport's server and connections on {@code loops}, which the caller owns: the
   * transport never disposes them, and {@link #ioThreads} no longer applies. With one worker loop
   * every connection of the transport lives on one thread, and giving the node that same thread as
   * its event loop removes two thread hand-offs from every message: {@link SharedEventLoop} sets
   * both up (the loop the connections use is {@code loops.onServer(LoopResources.DEFAULT_NATIVE)},
   * the group reactor-netty picks).
   */
  public RSocketTransportBuilder loopResources(LoopResources loops) {
    this.loops = loops;
    return this;
  }

  /**
   * Whether the transport binds its own port (default true). Set false to mount Raft traffic on a
   * service's own RSocket server through {@link RSocketTransport#socketAcceptor()}.
   */
  public RSocketTransportBuilder listen(boolean listen) {
    this.listen = listen;
    return this;
  }

  /**
   * Opens connections to peers with {@code connector} instead of the transport's own TCP client:
   * for a service that already has RSocket connections or its own client setup. The connector is
   * called with the peer each time a connection is needed; its {@code RSocket} must reach a server
   * that hands Raft connections to that peer's {@link RSocketTransport#socketAcceptor()}, and must
   * have been set up with {@link RaftSetup#payload} and {@link RaftSetup#MIME_TYPE}. The transport
   * does not dispose the sockets it gets this way: they are the service's.
   */
  public RSocketTransportBuilder connector(Function<Member, Mono<RSocket>> connector) {
    this.connector = connector;
    return this;
  }

  /**
   * Validates the options and builds an unstarted transport.
   *
   * @throws IllegalArgumentException naming the first invalid option and its rule
   */
  public RSocketTransport build() {
    require(clusterId != null && !clusterId.isBlank(), "clusterId", "is required");
    require(secret != null, "sharedSecret", "is required");
    require(secret.length >= 16, "sharedSecret", "must be at least 16 bytes");
    require(group != null && !group.isBlank(), "group", "must be non-blank");
    tryEncode(clusterId, "clusterId");
    tryEncode(group, "group");
    if (bindAddress != null) {
      try {
        HostPort.parse(bindAddress);
      } catch (IllegalArgumentException e) {
        require(false, "bindAddress", e.getMessage());
      }
    }
    require(
        maxFrameSize >= 1024 && maxFrameSize <= MAX_FRAME_SIZE_LIMIT,
        "maxFrameSize",
        "must be in [1024, " + MAX_FRAME_SIZE_LIMIT + "], was " + maxFrameSize);
    require(maxInFlightPerPeer >= 1, "maxInFlightPerPeer", "must be >= 1");
    positive(requestTimeout, "requestTimeout");
    positive(connectTimeout, "connectTimeout");
    positive(backoffMin, "reconnectBackoff.min");
    positive(backoffMax, "reconnectBackoff.max");
    require(backoffMax.compareTo(backoffMin) >= 0, "reconnectBackoff", "needs min <= max");
    positive(keepAliveInterval, "keepAlive.interval");
    positive(keepAliveMaxLifetime, "keepAlive.maxLifetime");
    require(
        keepAliveMaxLifetime.compareTo(keepAliveInterval) > 0,
        "keepAlive",
        "maxLifetime must exceed the interval");
    require(ioThreads >= 1, "ioThreads", "must be >= 1");
    require(serverTls == null || serverTls.isServer(), "serverTls", "must be a server context");
    require(clientTls == null || clientTls.isClient(), "clientTls", "must be a client context");
    return new RSocketTransport(
        new TransportSettings(
            bindAddress,
            clusterId,
            secret.clone(),
            group,
            maxFrameSize,
            maxInFlightPerPeer,
            requestTimeout,
            connectTimeout,
            new Backoff(backoffMin, backoffMax),
            keepAliveInterval,
            keepAliveMaxLifetime,
            serverTls,
            clientTls,
            ioThreads,
            loops,
            listen,
            connector));
  }

  private static void tryEncode(String value, String option) {
    try {
      Wire.utf8(value, option);
    } catch (IllegalArgumentException e) {
      require(false, option, e.getMessage());
    }
  }

  private static void positive(Duration d, String option) {
    require(d != null, option, "is required");
    require(!d.isNegative() && !d.isZero(), option, "must be positive, was " + d);
  }

  private static void require(boolean ok, String option, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("invalid RSocketTransport." + option + ": " + rule);
    }
  }
}
