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
 * @param leaderMillis the proposing node's clock, from which log time is derived
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
