package io.reactiveraft.spi;

/**
 * Turns commands into the bytes stored in the log and back. Must be deterministic and thread-safe:
 * every node decodes the same bytes into an equal command.
 *
 * @param <C> the command type
 */
public interface Codec<C> {

  /**
   * Encodes a command.
   *
   * @throws IllegalArgumentException when the command cannot be encoded
   */
  byte[] encode(C command);

  /**
   * Decodes bytes written by {@link #encode}.
   *
   * @throws IllegalArgumentException when the bytes are not a valid command
   */
  C decode(byte[] bytes);
}
