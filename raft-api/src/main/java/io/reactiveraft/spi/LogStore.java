package io.reactiveraft.spi;

import io.reactiveraft.message.LogEntry;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Persistence of one node's log and {@link HardState}.
 *
 * <p>Threading: the node makes one call at a time, in order: while it starts, on the thread that
 * starts it (reading the log back, and cutting what a snapshot or the recovery replaces), then from
 * its event loop, and {@code close} last, once the node has stopped, from another thread. {@link
 * #append} and {@link #truncateSuffix} must not block on IO (they may hand the work to an IO
 * thread), while {@link #saveHardState} returns only once the state is durable, because Raft
 * forbids sending a message that carries a term or vote before it is stored (paper section 5.1,
 * thesis 3.8).
 *
 * <p>Durability: {@link #flush} completes once every earlier append and truncation is durable. A
 * store may serve many appends with one flush (group commit). A store that fails to make data
 * durable must fail the flush and all later ones: the node then stops, and never retries and
 * acknowledges.
 */
public interface LogStore {

  /** The stored term and vote; {@link HardState#INITIAL} for a new store. */
  HardState hardState();

  /** Stores term and vote durably before returning. */
  void saveHardState(HardState state);

  /**
   * What this store once acknowledged as durable and has since lost ({@link LostEntries}), {@link
   * LostEntries#NONE} when it lost nothing. A store that may cut its log at damage must report the
   * loss, and remember it across restarts; a store that wraps another must pass it on
   * (raft-reactor's {@code ForwardingLogStore} passes on every method).
   */
  default LostEntries lostEntries() {
    return LostEntries.NONE;
  }

  /**
   * The highest index this store recorded as committed ({@link #saveCommitIndex}), 0 when none. A
   * node starts by applying its entries up to here, before it hears from any leader, so every entry
   * the store holds at or below it must be the one that was committed there: a store that records
   * the index lazily must never record it above what it has made durable, and a store whose
   * truncations may be undone by a crash must not record it above an entry such a crash could bring
   * back. Never above {@link #lastIndex()}. 0 by default: the node then learns it from the leader.
   */
  default long commitIndex() {
    return 0;
  }

  /**
   * Notes that every entry up to {@code commitIndex} is committed, so that {@link #commitIndex()}
   * may return it after a restart. Called from the event loop after the batch's appends and
   * truncations, with a value that never decreases while the store is open. Must not block on IO
   * and need not be durable on return: a store may record it with its next durable write, capped at
   * what that write covers, or not at all (the default). After a crash, {@link #commitIndex()}
   * returns what the store had recorded by then, lower where the crash cut its log.
   */
  default void saveCommitIndex(long commitIndex) {}

  /** The index of the first entry held, or lastIndex() + 1 when the log is empty. */
  long firstIndex();

  /** The index of the last entry held, or 0 when the log is empty. */
  long lastIndex();

  /**
   * Entries {@code [from, toInclusive]}, in order.
   *
   * @throws IndexOutOfBoundsException when the range is outside [firstIndex, lastIndex]
   */
  List<LogEntry> entries(long from, long toInclusive);

  /** Appends entries that continue the log at lastIndex() + 1. */
  void append(List<LogEntry> entries);

  /**
   * The largest payload one entry may carry here. A node refuses a larger command when it is
   * submitted, before any replica sees it: an entry that a store refuses on append stops that node,
   * and a leader replicates its entries before its own append returns. Unbounded by default.
   */
  default int maxPayloadBytes() {
    return Integer.MAX_VALUE;
  }

  /** Discards every entry at or after {@code fromIndex}. */
  void truncateSuffix(long fromIndex);

  /**
   * Discards every entry at or before {@code upToIndex}, which a snapshot covers. Afterwards {@link
   * #firstIndex()} is {@code upToIndex + 1}; when {@code upToIndex >= lastIndex()} the log is empty
   * and its next entry is {@code upToIndex + 1} ({@link #lastIndex()} returns {@code upToIndex}). A
   * call with {@code upToIndex < firstIndex()} changes nothing.
   *
   * <p>Must not block on IO. The new start survives a crash once a later {@link #flush()}
   * completes; until then a restart may find the discarded entries again, which is harmless because
   * the snapshot covers them. Space may be reclaimed lazily (whole segments at a time).
   */
  void discardPrefix(long upToIndex);

  /** Completes when every earlier append and truncation is durable. */
  Mono<Void> flush();

  /** Releases files; later calls fail. */
  void close();
}
