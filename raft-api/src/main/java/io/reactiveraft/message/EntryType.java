package io.reactiveraft.message;

/** What a log entry carries. */
public enum EntryType {
  /** A user command, encoded by the node's {@link io.reactiveraft.spi.Codec}. */
  COMMAND,
  /** The empty entry a new leader appends to commit its term (thesis 6.4). */
  NOOP,
  /** A cluster membership configuration. */
  CONFIGURATION
}
