package io.reactiveraft.message;

import java.util.Objects;

/**
 * One entry of the replicated log.
 *
 * <p>The payload array is shared, never copied, for speed: neither the library nor a caller may
 * modify it after the entry is built.
 *
 * @param index its position, starting at 1
 * @param term the term of the leader that created it
 * @param type what it carries
 * @param payload the encoded command or configuration; empty for a no-op
 */
public record LogEntry(long index, long term, EntryType type, byte[] payload) {

  private static final byte[] EMPTY = new byte[0];

  public LogEntry {
    if (index < 1) {
      throw new IllegalArgumentException("log index starts at 1: " + index);
    }
    if (term < 1) {
      throw new IllegalArgumentException("entry term starts at 1: " + term);
    }
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
  }

  /** The no-op entry a leader appends when it takes office. */
  public static LogEntry noop(long index, long term) {
    return new LogEntry(index, term, EntryType.NOOP, EMPTY);
  }

  /** The bytes this entry costs in an AppendEntries batch, for the byte cap. */
  public int sizeInBytes() {
    return payload.length + 24;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogEntry e
        && e.index == index
        && e.term == term
        && e.type == type
        && java.util.Arrays.equals(e.payload, payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, term, type, java.util.Arrays.hashCode(payload));
  }

  @Override
  public String toString() {
    return "LogEntry[" + index + "@" + term + " " + type + " " + payload.length + "B]";
  }
}
