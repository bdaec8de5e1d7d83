package io.reactiveraft.message;

/** What a log entry carries. */
public enum EntryType {
  /** A user command, encoded by the node's {@link io.reactiveraft.spi.Codec}. */
  COMMAND,
  /** The empty entry a new leader appends to commit its term (thesis 6.4). */
  NOOP,
  /** A cluster membership configuration. */
  CONFIGURATION,
  /**
   * A user command of a client session (thesis 6.3): the payload carries the client id, its
   * sequence number and the leader's clock before the encoded command, so that every node applies a
   * retried command at most once.
   */
  SESSION_COMMAND
}
