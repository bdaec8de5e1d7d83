package io.reactiveraft.transport.rsocket;

import io.netty.buffer.ByteBuf;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.RaftMessage;
import io.rsocket.Payload;
import io.rsocket.RSocketErrorException;
import io.rsocket.exceptions.ApplicationErrorException;
import io.rsocket.exceptions.InvalidException;
import io.rsocket.exceptions.RejectedException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Admits inbound requests: checks size, decodes, checks that the frame is for this node's group and
 * this node, and that its sender is the member its connection authenticated as and still a member;
 * then hands the message to the node and acknowledges with an empty response, or, for
 * AppendEntries, with the follower's answer when it gives one in time ({@link OpenExchanges}).
 *
 * <p>Whatever is wrong with a request costs that request only: the answer is an RSocket error
 * ({@code INVALID} for a malformed frame, {@code REJECTED} for one that is well formed but not
 * acceptable) and a throttled warning, and the connection stays up for the requests behind it.
 * Nothing is thrown to the caller, and every payload is released exactly once.
 *
 * <p>Thread-safe; runs on the connections' Netty threads.
 */
final class InboundDispatcher {

  private static final Logger log = LoggerFactory.getLogger(InboundDispatcher.class);

  private final String group;
  private final int maxFrameSize;
  private final PeerAuthenticator authenticator;
  private final InboundMessages inbound;
  private final OpenExchanges exchanges;
  private final TransportCounters counters;
  private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(1));
  private volatile String selfId;

  InboundDispatcher(
      String group,
      int maxFrameSize,
      PeerAuthenticator authenticator,
      InboundMessages inbound,
      OpenExchanges exchanges,
      TransportCounters counters) {
    this.group = group;
    this.maxFrameSize = maxFrameSize;
    this.authenticator = authenticator;
    this.inbound = inbound;
    this.exchanges = exchanges;
    this.counters = counters;
  }

  /** Starts admitting messages addressed to {@code selfId}. */
  void serve(String selfId) {
    this.selfId = selfId;
  }

  /**
   * Handles one request-response from the member {@code peerId}; releases the payload.
   *
   * @return the response: empty, the answer to an AppendEntries, or an RSocket error
   */
  Mono<Payload> handle(String peerId, Payload payload) {
    OpenExchanges.Exchange exchange = null;
    try {
      RaftMessage message = admit(peerId, payload);
      if (message instanceof AppendEntriesRequest request) {
        exchange = exchanges.open(request);
      }
      if (!inbound.offer(message)) {
        throw new RejectedException("not serving");
      }
      return exchange != null ? exchange.response() : Mono.empty();
    } catch (MalformedFrameException e) {
      return refuse(peerId, new InvalidException(e.getMessage()), exchange);
    } catch (RSocketErrorException e) {
      return refuse(peerId, e, exchange);
    } catch (RuntimeException e) {
      // A bug in admission must cost one request, not the connection and everyone behind it.
      log.error("failed to admit a request from {}", peerId, e);
      return refuse(peerId, new ApplicationErrorException("internal error"), exchange);
    } finally {
      payload.release();
    }
  }

  /**
   * Handles the response to a request this node sent to {@code peerId}: empty, or the peer's answer
   * to an AppendEntries ({@link OpenExchanges}), which is admitted as an inbound message with the
   * same checks as a request. Releases the payload; never throws.
   */
  void handleResponse(String peerId, Payload payload) {
    try {
      if (!payload.sliceData().isReadable()) {
        return;
      }
      RaftMessage message = admit(peerId, payload);
      if (!(message instanceof AppendEntriesResponse)) {
        throw new RejectedException("a response carried a " + message.getClass().getSimpleName());
      }
      if (!inbound.offer(message)) {
        counters.rejectedInbound();
      }
    } catch (RuntimeException e) {
      counters.rejectedInbound();
      if (throttle.permit()) {
        log.warn("refused a response from {}: {}", peerId, e.getMessage());
      }
    } finally {
      payload.release();
    }
  }

  private RaftMessage admit(String peerId, Payload payload) {
    ByteBuf data = payload.sliceData();
    long size = data.readableBytes();
    if (payload.hasMetadata()) {
      size += payload.sliceMetadata().readableBytes();
    }
    if (size > maxFrameSize) {
      throw new MalformedFrameException(
          "frame of " + size + " bytes exceeds the limit of " + maxFrameSize);
    }
    DecodedFrame frame = RaftFrameCodec.decode(data);
    if (!group.equals(frame.group())) {
      throw new RejectedException("unknown Raft group " + frame.group());
    }
    RaftMessage message = frame.message();
    if (!peerId.equals(message.from())) {
      throw new RejectedException(
          "the connection of " + peerId + " carried a message from " + message.from());
    }
    String self = selfId;
    if (!message.to().equals(self)) {
      throw new RejectedException("a message for " + message.to() + " reached " + self);
    }
    if (!authenticator.allows(peerId)) {
      throw new RejectedException(peerId + " is no longer a member");
    }
    return message;
  }

  /** Refuses a request; an exchange opened for it will carry no answer. */
  private <T> Mono<T> refuse(
      String peerId, RSocketErrorException error, OpenExchanges.Exchange exchange) {
    if (exchange != null) {
      exchange.abandon();
    }
    counters.rejectedInbound();
    // The text quotes ids the peer sent: masked, so a peer cannot forge log lines.
    String reason = RaftSocketAcceptor.printable(error.getMessage());
    if (throttle.permit()) {
      log.warn("refused a request from {}: {}", peerId, reason);
    } else {
      log.debug("refused a request from {}: {}", peerId, reason);
    }
    return Mono.error(error);
  }
}
