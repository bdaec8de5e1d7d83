package io.reactiveraft.node;

import io.reactiveraft.SessionExpiredException;
import io.reactiveraft.core.InjectedDefects;
import io.reactiveraft.spi.Codec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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

  /**
   * Sessions expired within the last timeout, with the log time they expired at. A client whose
   * first command's outcome was unknown resends its sequence 1; were its session simply gone, that
   * resend would open a new session and apply the command twice.
   */
  private final Map<String, Long> expired = new HashMap<>();

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
      return c.sequence() == 1 && !expired.containsKey(c.clientId())
          ? new Outcome.Apply<>()
          : new Outcome.Refused<>(new SessionExpiredException(c.clientId(), c.sequence()));
    }
    if (c.sequence() == s.lastSequence()
        && !InjectedDefects.on(InjectedDefects.Defect.APPLY_RESENT_COMMAND_AGAIN)) {
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

  /** How many expired sessions are still remembered. */
  int expiredSize() {
    return expired.size();
  }

  /**
   * The longest client id a session may have, in characters: ids are written with {@code writeUTF},
   * whose limit of 65,535 bytes this keeps far off.
   */
  static final int MAX_CLIENT_ID_CHARS = 1024;

  /**
   * How much of a failed command's message a snapshot keeps, in characters (at most three bytes
   * each in {@code writeUTF}'s encoding): a state machine's message of any length must not make
   * every snapshot fail.
   */
  static final int MAX_KEPT_MESSAGE_CHARS = 16_000;

  private static final int RESULT = 0;
  private static final int NULL_RESULT = 1;
  private static final int RESULT_NOT_KEPT = 2;
  private static final int ERROR = 3;

  /**
   * Writes the table for a snapshot, sessions in id order so every node writes the same bytes.
   * Results are kept only when there is a codec for them; errors keep their message.
   */
  void writeTo(DataOutputStream out, Codec<R> resultCodec) throws IOException {
    out.writeLong(logTimeMillis);
    out.writeLong(nextExpiryScan);
    out.writeInt(sessions.size());
    for (Map.Entry<String, Session<R>> e : new java.util.TreeMap<>(sessions).entrySet()) {
      Session<R> session = e.getValue();
      out.writeUTF(e.getKey());
      out.writeLong(session.lastSequence());
      out.writeLong(session.lastActiveMillis());
      Applied<R> last = session.last();
      if (last.error() != null) {
        out.writeByte(ERROR);
        out.writeUTF(kept(String.valueOf(last.error().getMessage())));
      } else if (last.result() == null) {
        out.writeByte(NULL_RESULT);
      } else if (resultCodec == null) {
        out.writeByte(RESULT_NOT_KEPT);
      } else {
        byte[] encoded = resultCodec.encode(last.result());
        out.writeByte(RESULT);
        out.writeInt(encoded.length);
        out.write(encoded);
      }
    }
    // Appended after the sessions, so an image without it (written before it existed) reads as
    // one with no expired sessions.
    out.writeInt(expired.size());
    for (Map.Entry<String, Long> e : new java.util.TreeMap<>(expired).entrySet()) {
      out.writeUTF(e.getKey());
      out.writeLong(e.getValue());
    }
  }

  private static String kept(String message) {
    return message.length() <= MAX_KEPT_MESSAGE_CHARS
        ? message
        : message.substring(0, MAX_KEPT_MESSAGE_CHARS) + " [cut]";
  }

  /**
   * Replaces the table with one written by {@link #writeTo}; {@code in} holds exactly the table's
   * bytes (an older image ends before the expired sessions).
   */
  void readFrom(DataInputStream in, Codec<R> resultCodec) throws IOException {
    long time = in.readLong();
    long scan = in.readLong();
    int count = in.readInt();
    Map<String, Session<R>> restored = new HashMap<>();
    for (int i = 0; i < count; i++) {
      String clientId = in.readUTF();
      long sequence = in.readLong();
      long lastActive = in.readLong();
      int kind = in.readUnsignedByte();
      Applied<R> last;
      if (kind == RESULT) {
        byte[] encoded = in.readNBytes(in.readInt());
        if (resultCodec == null) {
          throw new IOException("the snapshot keeps session results; configure a resultCodec");
        }
        last = new Applied<>(resultCodec.decode(encoded), null);
      } else if (kind == NULL_RESULT) {
        last = new Applied<>(null, null);
      } else if (kind == RESULT_NOT_KEPT) {
        last =
            new Applied<>(
                null,
                new IllegalStateException(
                    "command "
                        + sequence
                        + " of session "
                        + clientId
                        + " was applied, but its result was not kept in the snapshot"
                        + " (configure RaftConfig.resultCodec to keep results)"));
      } else if (kind == ERROR) {
        last =
            new Applied<>(
                null,
                new IllegalStateException("the command failed when applied: " + in.readUTF()));
      } else {
        throw new IOException("unknown session record kind " + kind);
      }
      restored.put(clientId, new Session<>(sequence, last, lastActive));
    }
    Map<String, Long> restoredExpired = new HashMap<>();
    if (in.available() > 0) {
      for (int i = in.readInt(); i > 0; i--) {
        restoredExpired.put(in.readUTF(), in.readLong());
      }
    }
    sessions.clear();
    sessions.putAll(restored);
    expired.clear();
    expired.putAll(restoredExpired);
    logTimeMillis = time;
    nextExpiryScan = scan;
  }

  private void advanceLogTime(long millis) {
    logTimeMillis = Math.max(logTimeMillis, millis);
    if (logTimeMillis >= nextExpiryScan) {
      // Scanning a few times per timeout keeps expiry cheap and still within 10 % of it.
      nextExpiryScan = logTimeMillis + Math.max(1, timeoutMillis / 10);
      Iterator<Map.Entry<String, Session<R>>> it = sessions.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<String, Session<R>> e = it.next();
        if (e.getValue().lastActiveMillis() + timeoutMillis < logTimeMillis) {
          it.remove();
          expired.put(e.getKey(), logTimeMillis);
        }
      }
      // A resend comes within its client's budget; one a whole timeout after expiry does not.
      expired.values().removeIf(at -> at + timeoutMillis < logTimeMillis);
    }
  }
}
