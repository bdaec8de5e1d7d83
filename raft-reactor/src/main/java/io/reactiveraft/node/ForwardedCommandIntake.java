package io.reactiveraft.node;

import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.ForwardedCommand;
import io.reactiveraft.message.RaftMessage;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands followers forward, made ready for this node's log as they arrive; every other message
 * passes unchanged. Thread-safe: runs on the transport's threads.
 *
 * <p>One above this node's own payload limit is dropped (its caller times out): only a follower
 * configured with a larger {@code maxCommandBytes} or log segments sends one, and this node's store
 * would refuse it, which stops a node.
 *
 * <p>A session command carries the follower's clock, and the one that reaches the log must carry
 * the leader's (log time is the leaders' clocks, thesis 6.3): otherwise one follower whose clock
 * runs ahead would expire every client's session early. A node that does not lead appends nothing
 * forwarded to it, so every forwarded session command is stamped.
 */
final class ForwardedCommandIntake {

  private static final Logger log = LoggerFactory.getLogger(ForwardedCommandIntake.class);

  private final String nodeId;
  private final PayloadLimit limit;
  private final LongSupplier clockMillis;

  ForwardedCommandIntake(String nodeId, PayloadLimit limit, LongSupplier clockMillis) {
    this.nodeId = nodeId;
    this.limit = limit;
    this.clockMillis = clockMillis;
  }

  /** {@code m} as this node takes it, or null to drop it. */
  RaftMessage admit(RaftMessage m) {
    if (!(m instanceof ForwardedCommand f)) {
      return m;
    }
    if (limit.exceededBy(f.payload().length)) {
      log.warn(
          "node {}: dropped a command of {} bytes forwarded by {}: it exceeds {} here; configure"
              + " every node alike",
          nodeId,
          f.payload().length,
          f.from(),
          limit.description());
      return null;
    }
    if (f.type() == EntryType.SESSION_COMMAND) {
      byte[] stamped = SessionCommand.withClock(f.payload(), clockMillis.getAsLong());
      return new ForwardedCommand(f.from(), f.to(), f.term(), f.requestId(), f.type(), stamped);
    }
    return m;
  }
}
