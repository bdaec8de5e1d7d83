package io.reactiveraft.node;

import io.reactiveraft.SessionExpiredException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The replicated memory of client sessions (thesis 6.3): per client, the last sequence number
 * applied and its result. Every node builds the same table from the same log, so a leader elected
 * later answers a resent command as the first leader did. Sessions expire in log time, the highest
 * leader clock recorded in the log so far, so every node expires a session at the same entry. Apply
 * thread only.
 *
 * @param <R> result type
 */
final class SessionTable<R> {

  /** What applying a command gave: its result, or the error the state machine threw. */
  record Applied<R>(R result, RuntimeException error) {}

  private record Session<R>(long lastSequence, Applied<R> last, long lastActiveMillis) {}

  /** The outcome of one session command. */
  sealed interface Outcome<R> {
    /** Apply the command; then {@link #recordResult}. */
    record Apply<R>() implements Outcome<R> {}

    /** Already applied: answer with its first result. */
    record Duplicate<R>(R result) implements Outcome<R> {}

    /** Refused: not applied now. */
    record Refused<R>(RuntimeException error) implements Outcome<R> {}
  }

  private final long timeoutMillis;
  private final Map<String, Session<R>> sessions = new HashMap<>();
  private long logTimeMillis = Long.MIN_VALUE;
  private long nextExpiryScan = Long.MIN_VALUE;

  SessionTable(long timeoutMillis) {
    this.timeoutMillis = timeoutMillis;
  }

  /** Decides what to do with a command; advances log time and expires idle sessions. */
  Outcome<R> admit(SessionCommand c) {
    advanceLogTime(c.leaderMillis());
    Session<R> s = sessions.get(c.clientId());
    if (s == null) {
      return c.sequence() == 1
          ? new Outcome.Apply<>()
          : new Outcome.Refused<>(new SessionExpiredException(c.clientId(), c.sequence()));
    }
    if (c.sequence() == s.lastSequence()) {
      sessions.put(c.clientId(), new Session<>(s.lastSequence(), s.last(), logTimeMillis));
      return s.last().error() == null
          ? new Outcome.Duplicate<>(s.last().result())
          : new Outcome.Refused<>(s.last().error());
    }
    if (c.sequence() < s.lastSequence()) {
      return new Outcome.Refused<>(
          new IllegalArgumentException(
              "command "
                  + c.sequence()
                  + " of session "
                  + c.clientId()
                  + " is older than its last, "
                  + s.lastSequence()
                  + "; its result is gone"));
    }
    return new Outcome.Apply<>();
  }

  /** Records what a command that {@link #admit} let through gave, for its resends. */
  void record(SessionCommand c, Applied<R> applied) {
    sessions.put(c.clientId(), new Session<>(c.sequence(), applied, logTimeMillis));
  }

  int size() {
    return sessions.size();
  }

  private void advanceLogTime(long millis) {
    logTimeMillis = Math.max(logTimeMillis, millis);
    if (logTimeMillis >= nextExpiryScan) {
      // Scanning a few times per timeout keeps expiry cheap and still within 10 % of it.
      nextExpiryScan = logTimeMillis + Math.max(1, timeoutMillis / 10);
      Iterator<Session<R>> it = sessions.values().iterator();
      while (it.hasNext()) {
        if (it.next().lastActiveMillis() + timeoutMillis < logTimeMillis) {
          it.remove();
        }
      }
    }
  }
}
