package io.reactiveraft.node;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The payload of a {@code SESSION_COMMAND} entry: client id, sequence number and the leader's
 * clock, then the encoded command.
 *
 * @param clientId the session
 * @param sequence the command's number in the session, from 1
 * @param leaderMillis the clock of the leader that appended it (a follower's own, when it forwards
 *     the command, until the leader stamps its clock there: {@link #withClock}), from which log
 *     time is derived
 * @param command the encoded command
 */
public record SessionCommand(String clientId, long sequence, long leaderMillis, byte[] command) {

  public byte[] encode() {
    byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + id.length + 16 + command.length)
        .putInt(id.length)
        .put(id)
        .putLong(sequence)
        .putLong(leaderMillis)
        .put(command)
        .array();
  }

  /**
   * A copy of {@code payload} that carries {@code millis} as the leader's clock; {@code payload}
   * itself when it is not a session command (applying it refuses it either way).
   */
  public static byte[] withClock(byte[] payload, long millis) {
    SessionCommand c;
    try {
      c = decode(payload);
    } catch (IllegalArgumentException notASessionCommand) {
      return payload;
    }
    return new SessionCommand(c.clientId(), c.sequence(), millis, c.command()).encode();
  }

  /**
   * @throws IllegalArgumentException when the payload is not a session command
   */
  public static SessionCommand decode(byte[] payload) {
    ByteBuffer b = ByteBuffer.wrap(payload);
    if (payload.length < 20) {
      throw new IllegalArgumentException("session command too short: " + payload.length);
    }
    int idLength = b.getInt();
    if (idLength < 0 || idLength > payload.length - 20) {
      throw new IllegalArgumentException("bad client id length " + idLength);
    }
    String id = new String(payload, 4, idLength, StandardCharsets.UTF_8);
    b.position(4 + idLength);
    long sequence = b.getLong();
    long millis = b.getLong();
    return new SessionCommand(
        id, sequence, millis, Arrays.copyOfRange(payload, b.position(), payload.length));
  }
}
