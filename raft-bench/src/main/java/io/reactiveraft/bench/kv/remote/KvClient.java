package io.reactiveraft.bench.kv.remote;

import io.netty.channel.ChannelOption;
import io.reactiveraft.bench.kv.KvCommand;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.DefaultPayload;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import reactor.netty.tcp.TcpClient;

/**
 * A client of a KV cluster, which finds the leader by itself and resends safely.
 *
 * <p><b>Protocol.</b> One RSocket connection to one node at a time, opened with the SETUP frame of
 * {@link KvClientSetup} (the cluster id and an HMAC token of the shared secret; a node refuses a
 * wrong token with {@code REJECTED_SETUP}). Each operation is an RSocket request-response whose
 * data is a {@link KvRequest} and whose answer is a {@link KvReply}, both small binary frames. A
 * node that does not lead answers {@code NOT_LEADER} with the leader's address when it knows it,
 * and the client reconnects there; otherwise it tries the next node of its list.
 *
 * <p><b>Sessions.</b> Writes are commands of a client session: a random client id per client, and a
 * sequence number that grows by one per write. While a write's outcome is unknown (a timeout, a
 * lost leadership, a connection lost with the request in flight), the client resends the same
 * (clientId, sequence), which the cluster applies at most once, until an answer comes or the
 * operation's time budget runs out; only then is the outcome reported unknown ({@link
 * KvOutcome.Kind#INFO}). A number is used up once a write may have reached the log; a write that
 * definitely did not (not leader, overloaded) leaves its number to the next one, so the session
 * never skips ahead of what the cluster knows. Reads ({@code get}) are linearizable reads on
 * whichever node the client is connected to; they write nothing.
 *
 * <p>Not thread-safe: one operation at a time; {@link #execute} blocks for at most the budget plus
 * one connection attempt.
 */
public final class KvClient implements AutoCloseable {

  /** The longest one attempt may take on a node before the client tries again. */
  private static final long MAX_ATTEMPT_MILLIS = 2_000;

  /** Extra wait for a node's answer beyond the time it was given, for the network. */
  private static final long ANSWER_GRACE_MILLIS = 250;

  private static final long MAX_CONNECT_MILLIS = 2_000;
  private static final long MAX_PAUSE_MILLIS = 200;

  /**
   * The largest request sent: an RSocket frame holds at most 16 MiB, header included, and this
   * client does not fragment. (A node refuses commands above its own limit, 4 MiB by default.)
   */
  static final int MAX_REQUEST_BYTES = (1 << 24) - 1024;

  private final List<String> addresses;
  private final Payload setup;
  private final Duration budget;

  private String clientId = newClientId();
  private long lastSequence;
  private int nextIndex;
  private String target;
  private RSocket socket;
  private String socketAddress;

  /**
   * @param addresses the nodes' {@code host:port} addresses, at least one
   * @param secret the cluster's shared secret
   * @param budget how long one operation may take, resends included
   * @throws IllegalArgumentException when an address is not {@code host:port}
   */
  public KvClient(List<String> addresses, byte[] secret, Duration budget) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no node address given");
    }
    addresses.forEach(HostPort::parse);
    this.addresses = List.copyOf(addresses);
    this.setup = KvClientSetup.payload(KvServer.CLUSTER_ID, secret);
    this.budget = budget;
    this.target = this.addresses.get(0);
  }

  /** This client's session id. */
  public String clientId() {
    return clientId;
  }

  /** Runs one operation to its end, within the budget; never throws for a cluster's answer. */
  public KvOutcome execute(KvCommand command) {
    int size = new KvRequest(command, clientId, lastSequence + 1, 1).encode().length;
    if (size > MAX_REQUEST_BYTES) {
      // RSocket would refuse it before sending, which must not read as an unknown outcome.
      return KvOutcome.fail(
          "too large: the request takes " + size + " bytes, at most " + MAX_REQUEST_BYTES);
    }
    long deadline = System.nanoTime() + budget.toNanos();
    boolean write = command.op() != KvCommand.Op.GET;
    long sequence = lastSequence + 1;
    boolean mayHaveApplied = false;
    String problem = "no node answered";
    long pause = 0;
    Set<String> hintsFollowed = new HashSet<>();
    while (true) {
      if (pause > 0 && !pause(Math.min(pause, remainingMillis(deadline)))) {
        break;
      }
      long remaining = remainingMillis(deadline);
      if (remaining <= 0) {
        break;
      }
      String address = target;
      RSocket connection;
      try {
        connection = connect(address, remaining);
      } catch (RuntimeException e) {
        Optional<String> refusal = refusal(e);
        if (refusal.isPresent()) {
          return end(
              write, mayHaveApplied, sequence, "refused by " + address + ": " + refusal.get());
        }
        problem = "cannot reach " + address + ": " + describe(e);
        moveOn();
        pause = nextPause(pause);
        continue;
      }
      remaining = remainingMillis(deadline); // connecting took some of it
      if (remaining <= 0) {
        break;
      }
      long attempt = Math.min(remaining, MAX_ATTEMPT_MILLIS);
      KvRequest request =
          new KvRequest(command, write ? clientId : null, write ? sequence : 0, (int) attempt);
      KvReply reply;
      try {
        reply = send(connection, request, Math.min(attempt + ANSWER_GRACE_MILLIS, remaining));
      } catch (RuntimeException e) {
        Optional<String> refusal = refusal(e);
        if (refusal.isPresent()) {
          return end(
              write, mayHaveApplied, sequence, "refused by " + address + ": " + refusal.get());
        }
        // The request may have reached the node, and the node the log.
        mayHaveApplied |= write;
        problem = "no answer from " + address + ": " + describe(e);
        disconnect();
        moveOn();
        pause = nextPause(pause);
        continue;
      }
      switch (reply.status()) {
        case OK -> {
          lastSequence = write ? sequence : lastSequence;
          return KvOutcome.ok(write ? null : reply.text());
        }
        case CAS_MISMATCH -> {
          lastSequence = sequence;
          return KvOutcome.fail(
              "cas mismatch: "
                  + (reply.text() == null ? "the key is absent" : "the value is " + reply.text()));
        }
        case NOT_LEADER -> {
          problem = reply.text();
          String hint = reply.leaderAddress();
          // Each hint is followed at once, but only once an operation: two nodes with stale
          // hints naming each other would otherwise bounce it between them, the rest unasked.
          if (hint != null && !hint.equals(address) && hintsFollowed.add(hint)) {
            target = hint;
            pause = 0;
          } else {
            moveOn();
            pause = nextPause(pause);
          }
        }
        case RETRY -> {
          problem = reply.text();
          moveOn();
          pause = nextPause(pause);
        }
        case UNKNOWN -> {
          mayHaveApplied |= write;
          problem = reply.text();
          if (!write) {
            // A read that timed out on a node cut off from its leader may succeed elsewhere; a
            // write goes back to the same node, which answers with the new leader once it knows.
            moveOn();
          }
          pause = nextPause(pause);
        }
        case REJECTED -> {
          return end(write, mayHaveApplied, sequence, "rejected: " + reply.text());
        }
        case SESSION_EXPIRED -> {
          // This attempt was not applied. Go on in a new session, unless an earlier attempt
          // of this write may have been applied: resending it in a new session could apply it
          // twice.
          clientId = newClientId();
          lastSequence = 0;
          if (mayHaveApplied) {
            return KvOutcome.info("outcome unknown: " + reply.text());
          }
          sequence = 1;
          problem = reply.text();
        }
      }
    }
    if (mayHaveApplied) {
      lastSequence = sequence;
      return KvOutcome.info(
          "outcome unknown after " + budget.toMillis() + " ms; last problem: " + problem);
    }
    return KvOutcome.fail(
        "no answer within " + budget.toMillis() + " ms; last problem: " + problem);
  }

  /** The end of an operation that got no answer: unknown if an attempt may have applied it. */
  private KvOutcome end(boolean write, boolean mayHaveApplied, long sequence, String reason) {
    if (write && mayHaveApplied) {
      lastSequence = sequence;
      return KvOutcome.info("outcome unknown, then " + reason);
    }
    return KvOutcome.fail(reason);
  }

  private RSocket connect(String address, long remainingMillis) {
    if (socket != null && address.equals(socketAddress) && !socket.isDisposed()) {
      return socket;
    }
    disconnect();
    HostPort at = HostPort.parse(address);
    long wait = Math.min(remainingMillis, MAX_CONNECT_MILLIS);
    TcpClient tcp =
        TcpClient.newConnection()
            .host(at.host())
            .port(at.port())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, wait));
    CompletableFuture<RSocket> attempt =
        RSocketConnector.create()
            .setupPayload(setup)
            .dataMimeType(KvClientSetup.MIME_TYPE)
            .connect(TcpClientTransport.create(tcp))
            .toFuture();
    RSocket connected;
    try {
      connected = attempt.get(Math.max(1, wait), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // Not cancelled: a connection made after we stopped waiting is closed when it comes,
      // where a cancelled attempt could leave it open.
      attempt.thenAccept(RSocket::dispose);
      throw new IllegalStateException("no connection within " + wait + " ms", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      attempt.thenAccept(RSocket::dispose);
      throw new IllegalStateException("interrupted while connecting", e);
    }
    socket = connected;
    socketAddress = address;
    return connected;
  }

  private static KvReply send(RSocket connection, KvRequest request, long waitMillis) {
    Payload answer =
        connection
            .requestResponse(DefaultPayload.create(request.encode()))
            .block(Duration.ofMillis(Math.max(1, waitMillis)));
    if (answer == null) {
      throw new IllegalStateException("the node completed without an answer");
    }
    try {
      return KvReply.decode(answer.sliceData());
    } finally {
      answer.release();
    }
  }

  /** The reason a node refused this client's connection, if that is what {@code e} says. */
  private static Optional<String> refusal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RejectedSetupException) {
        return Optional.of(String.valueOf(t.getMessage()));
      }
    }
    return Optional.empty();
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : " " + message);
  }

  /** Points at the next node of the list, after the one tried last. */
  private void moveOn() {
    int at = addresses.indexOf(target);
    nextIndex = at >= 0 ? (at + 1) % addresses.size() : nextIndex % addresses.size();
    target = addresses.get(nextIndex);
  }

  private static long nextPause(long pause) {
    return Math.min(MAX_PAUSE_MILLIS, Math.max(20, pause * 2));
  }

  /** Waits between attempts; false when interrupted. */
  private static boolean pause(long millis) {
    if (millis <= 0) {
      return true;
    }
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static long remainingMillis(long deadline) {
    return (deadline - System.nanoTime()) / 1_000_000;
  }

  private static String newClientId() {
    return "kv-" + UUID.randomUUID();
  }

  private void disconnect() {
    if (socket != null) {
      socket.dispose();
      socket = null;
      socketAddress = null;
    }
  }

  /** Closes the connection. */
  @Override
  public void close() {
    disconnect();
  }
}
