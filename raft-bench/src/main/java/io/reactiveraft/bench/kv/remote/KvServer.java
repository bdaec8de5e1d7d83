package io.reactiveraft.bench.kv.remote;

import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.bench.cluster.UnforcedLogStore;
import io.reactiveraft.bench.kv.KvCommand;
import io.reactiveraft.bench.kv.KvResult;
import io.reactiveraft.bench.kv.KvStateMachine;
import io.reactiveraft.codec.JacksonCodec;
import io.reactiveraft.log.MappedLogOptions;
import io.reactiveraft.log.MappedLogStore;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.snapshot.FileSnapshotStore;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.SnapshotStore;
import io.reactiveraft.transport.rsocket.RSocketTransport;
import io.reactiveraft.transport.rsocket.RaftSetup;
import io.rsocket.ConnectionSetupPayload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketServer;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.frame.decoder.PayloadDecoder;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.tcp.TcpServer;

/**
 * One node of the KV example as a network service: a Raft node with a memory-mapped log, and one
 * RSocket server on the member's own address that carries both the Raft peer traffic and the KV
 * clients' requests. The server tells them apart by the SETUP frame's data MIME type: {@link
 * RaftSetup#MIME_TYPE} goes to the Raft transport's acceptor, {@link KvClientSetup#MIME_TYPE} to a
 * {@link KvResponder} once the client's token checks out; anything else is refused.
 *
 * <p>The node's peers are dialled by the transport itself, at their member addresses, which are
 * their servers' addresses. Thread-safe; {@link #start} and {@link #close} block.
 */
public final class KvServer implements AutoCloseable {

  /** The cluster id every node of the KV example uses in its peer and client SETUP frames. */
  public static final String CLUSTER_ID = "reactive-raft-kv";

  private static final Duration LIFECYCLE_TIMEOUT = Duration.ofSeconds(20);

  /**
   * What a node needs to start.
   *
   * @param id this member's id, one of {@code members}
   * @param members every voting member, this one included
   * @param dataDir the log directory (created when missing)
   * @param secret the cluster's shared secret, at least 16 bytes
   * @param fsync whether the log is forced before an entry counts (off: acknowledged once written)
   * @param bootstrap whether an empty node may vote and campaign (first start of a new cluster)
   * @param segmentBytes the size of a log segment file
   * @param electionTimeout the base election timeout; heartbeats go every fifth of it
   * @param leaseReads whether the leader answers reads from its lease ({@code
   *     RaftConfig.Builder#leaseReads}) rather than with a round of heartbeats
   */
  public record Settings(
      String id,
      List<Member> members,
      Path dataDir,
      byte[] secret,
      boolean fsync,
      boolean bootstrap,
      int segmentBytes,
      Duration electionTimeout,
      boolean leaseReads) {

    /** The election timeout of a node started without one. */
    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(500);

    public Settings {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(electionTimeout, "electionTimeout");
      members = List.copyOf(members);
      Objects.requireNonNull(dataDir, "dataDir");
      secret = secret.clone();
    }

    /** This node's member entry. */
    public Member self() {
      return members.stream()
          .filter(m -> m.id().equals(id))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException(id + " is not one of the members"));
    }
  }

  /** A node that could not start: the data directory or the address is unusable. */
  public static final class StartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StartException(String message, Throwable cause) {
      super(message + ": " + reason(cause), cause);
    }

    /** An I/O failure's own message, without the wrapper's class name in front. */
    private static String reason(Throwable cause) {
      Throwable shown =
          cause instanceof UncheckedIOException && cause.getCause() != null
              ? cause.getCause()
              : cause;
      return shown.getMessage() != null ? shown.getMessage() : shown.toString();
    }
  }

  private final Settings settings;
  private final RaftNode<KvCommand, KvResult> node;
  private final Sinks.Empty<Void> stopped;
  private final CloseableChannel server;

  private KvServer(
      Settings settings,
      RaftNode<KvCommand, KvResult> node,
      Sinks.Empty<Void> stopped,
      CloseableChannel server) {
    this.settings = settings;
    this.node = node;
    this.stopped = stopped;
    this.server = server;
  }

  /**
   * Opens the log, binds the server at the member's address and starts the node.
   *
   * @throws StartException when the data directory cannot be used or the address cannot be bound
   * @throws IllegalArgumentException when the settings are invalid
   */
  public static KvServer start(Settings settings) {
    Member self = settings.self();
    HostPort at = HostPort.parse(self.address());
    LogStore store = openStore(settings);
    Sinks.Empty<Void> stopped = Sinks.empty();
    RSocketTransport transport;
    try {
      transport =
          RSocketTransport.builder()
              .clusterId(CLUSTER_ID)
              .sharedSecret(settings.secret())
              // The server below carries the peer traffic, on the member's own port.
              .listen(false)
              .build();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    // The port before the node: a second process started with this member's id and address
    // fails here, before a node of its could vote or campaign as this member. Until the node is
    // up, a client's connection waits for it, and peers are refused by the transport, which knows
    // no members yet (they dial again).
    Sinks.One<RaftNode<KvCommand, KvResult>> started = Sinks.one();
    KvClientSetup clients = new KvClientSetup(CLUSTER_ID, settings.secret());
    SocketAcceptor raft = transport.socketAcceptor();
    SocketAcceptor acceptor =
        (setup, socket) -> route(setup, socket, raft, clients, started.asMono());
    CloseableChannel server;
    try {
      server =
          RSocketServer.create(acceptor)
              .payloadDecoder(PayloadDecoder.ZERO_COPY)
              .maxInboundPayloadSize(RSocketTransport.MAX_INBOUND_PAYLOAD_SIZE)
              .maxTimeToFirstFrame(Duration.ofSeconds(10))
              .bind(
                  TcpServerTransport.create(
                      RSocketTransport.guardFirstFrame(
                          TcpServer.create().host(at.host()).port(at.port()))))
              .block(LIFECYCLE_TIMEOUT);
    } catch (RuntimeException e) {
      closeQuietly(transport);
      store.close();
      throw new StartException("cannot listen on " + at, e);
    }
    RaftNode<KvCommand, KvResult> node;
    try {
      RaftConfig<KvCommand, KvResult> config =
          RaftConfig.<KvCommand, KvResult>builder()
              .members(settings.members())
              .self(settings.id())
              .transport(transport)
              .logStore(store)
              .snapshotStore(snapshots(settings))
              .resultCodec(JacksonCodec.of(KvResult.class))
              .stateMachine(new KvStateMachine())
              .codec(JacksonCodec.of(KvCommand.class))
              .bootstrap(settings.bootstrap())
              .electionTimeout(settings.electionTimeout())
              .heartbeatInterval(settings.electionTimeout().dividedBy(5))
              .leaseReads(settings.leaseReads())
              .closeHook(stopped::tryEmitEmpty)
              .build();
      node = ReactiveRaft.start(config);
    } catch (RuntimeException e) {
      started.tryEmitError(new RejectedSetupException("the node did not start"));
      server.dispose();
      closeQuietly(transport);
      store.close();
      if (e instanceof IllegalArgumentException || e instanceof StartException) {
        throw e; // a rule of the configuration the flags broke, or an unusable snapshot directory
      }
      // Recovery refused the data (no snapshot restores cleanly, the log does not continue the
      // newest one, a damaged snapshot file cannot be set aside): a clear error, not a trace.
      throw new StartException("cannot start from the data in " + settings.dataDir(), e);
    }
    started.tryEmitValue(node);
    return new KvServer(settings, node, stopped, server);
  }

  /** A transport that a failed start built is closed with it: it holds connections and threads. */
  private static void closeQuietly(RSocketTransport transport) {
    if (transport != null) {
      try {
        transport.close().onErrorComplete().block(LIFECYCLE_TIMEOUT);
      } catch (RuntimeException e) {
        // Not closed in time: the start's own failure is the one to report, and the log store
        // must still be closed after this.
      }
    }
  }

  private static SnapshotStore snapshots(Settings settings) {
    try {
      return FileSnapshotStore.open(settings.dataDir().resolve("snapshots"));
    } catch (RuntimeException e) {
      throw new StartException("cannot use snapshot directory in " + settings.dataDir(), e);
    }
  }

  private static LogStore openStore(Settings settings) {
    MappedLogStore store;
    try {
      store =
          MappedLogStore.open(
              settings.dataDir(),
              MappedLogOptions.builder().segmentSize(settings.segmentBytes()).build());
    } catch (RuntimeException e) {
      // Unreadable, unwritable, locked by another node, or corrupt: the node must not start.
      throw new StartException("cannot use data directory " + settings.dataDir(), e);
    }
    return settings.fsync() ? store : new UnforcedLogStore(store);
  }

  private static Mono<RSocket> route(
      ConnectionSetupPayload setup,
      RSocket socket,
      SocketAcceptor raft,
      KvClientSetup clients,
      Mono<RaftNode<KvCommand, KvResult>> node) {
    if (RaftSetup.isRaft(setup)) {
      return raft.accept(setup, socket);
    }
    if (KvClientSetup.isClient(setup)) {
      try {
        clients.authenticate(setup);
      } catch (RejectedSetupException e) {
        return Mono.error(e);
      }
      return node.map(KvResponder::new);
    }
    return Mono.error(
        new RejectedSetupException("unknown connection type " + setup.dataMimeType()));
  }

  /** The Raft node; its leader changes and status are for monitoring. */
  public RaftNode<KvCommand, KvResult> node() {
    return node;
  }

  /** The address clients and peers reach this node at. */
  public String address() {
    return settings.self().address();
  }

  /** Completes once the node has stopped, whether through {@link #close} or on its own. */
  public Mono<Void> stopped() {
    return stopped.asMono();
  }

  /**
   * Closes the node (pending requests fail and are answered), then the server and its connections.
   * Idempotent; blocks until done, each step bounded by a timeout.
   */
  @Override
  public void close() {
    node.close().block(LIFECYCLE_TIMEOUT);
    server.dispose();
    server.onClose().onErrorResume(e -> Mono.empty()).block(LIFECYCLE_TIMEOUT);
  }
}
