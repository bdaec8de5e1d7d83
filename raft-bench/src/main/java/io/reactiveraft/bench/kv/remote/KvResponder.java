package io.reactiveraft.bench.kv.remote;

import io.reactiveraft.InvalidCommandException;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.RaftException;
import io.reactiveraft.RaftNode;
import io.reactiveraft.SessionExpiredException;
import io.reactiveraft.bench.kv.KvCommand;
import io.reactiveraft.bench.kv.KvResult;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.util.DefaultPayload;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * Serves KV client requests on an authenticated client connection: a write becomes a command of the
 * client's session ({@link RaftNode#submit(Object, String, long, Duration)}), a read a linearizable
 * {@link RaftNode#read}. Every outcome, errors included, is answered with a {@link KvReply}, so
 * that the client can tell "not applied" from "unknown"; only a frame that cannot be read at all is
 * answered with {@link KvReply.Status#REJECTED}.
 *
 * <p>Thread-safe; replies complete on the node's apply thread or its timer.
 */
final class KvResponder implements RSocket {

  /** The longest a client may ask a node to work on one attempt. */
  static final int MAX_TIMEOUT_MILLIS = 60_000;

  private final RaftNode<KvCommand, KvResult> node;

  KvResponder(RaftNode<KvCommand, KvResult> node) {
    this.node = node;
  }

  @Override
  public Mono<Payload> requestResponse(Payload payload) {
    KvRequest request;
    try {
      request = KvRequest.decode(payload.sliceData());
    } catch (IllegalArgumentException e) {
      return reply(KvReply.of(KvReply.Status.REJECTED, e.getMessage()));
    } finally {
      payload.release();
    }
    Duration timeout = Duration.ofMillis(Math.min(request.timeoutMillis(), MAX_TIMEOUT_MILLIS));
    Mono<KvResult> result =
        Mono.defer(
            () ->
                request.isRead()
                    ? node.read(request.command(), timeout)
                    : node.submit(
                        request.command(), request.clientId(), request.sequence(), timeout));
    return result
        .map(KvResponder::answer)
        .defaultIfEmpty(KvReply.of(KvReply.Status.OK, null))
        .onErrorResume(e -> Mono.just(failure(e)))
        .map(r -> DefaultPayload.create(r.encode()));
  }

  private static KvReply answer(KvResult result) {
    return KvReply.of(
        result.ok() ? KvReply.Status.OK : KvReply.Status.CAS_MISMATCH, result.value());
  }

  /** Maps the node's typed errors to what the client needs: may it resend, and was it applied. */
  static KvReply failure(Throwable e) {
    if (e instanceof NotLeaderException nl) {
      return new KvReply(
          KvReply.Status.NOT_LEADER,
          nl.getMessage(),
          nl.leaderId().orElse(null),
          nl.leaderAddress().orElse(null));
    }
    if (e instanceof SessionExpiredException) {
      return KvReply.of(KvReply.Status.SESSION_EXPIRED, e.getMessage());
    }
    if (e instanceof RaftException re) {
      return KvReply.of(
          re.outcomeUnknown() ? KvReply.Status.UNKNOWN : KvReply.Status.RETRY, e.getMessage());
    }
    if (e instanceof InvalidCommandException) {
      // Refused before the log. Any other IllegalArgumentException may come from the state
      // machine's apply, which ran: that command was applied, with the error as its outcome.
      return KvReply.of(KvReply.Status.REJECTED, e.getMessage());
    }
    // Anything else happened somewhere between the proposal and its answer: it may have applied.
    return KvReply.of(KvReply.Status.UNKNOWN, String.valueOf(e));
  }

  private static Mono<Payload> reply(KvReply reply) {
    return Mono.just(DefaultPayload.create(reply.encode()));
  }
}
