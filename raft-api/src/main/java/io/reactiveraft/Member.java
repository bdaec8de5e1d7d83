package io.reactiveraft;

import java.util.Objects;

/**
 * A server of the cluster: its stable id and the address its transport listens on.
 *
 * <p>The id names the server in votes, logs and status; the address is opaque to the protocol and
 * interpreted by the {@link io.reactiveraft.spi.Transport} (the RSocket transport expects {@code
 * host:port}).
 *
 * @param id non-blank, unique in the cluster, without whitespace
 * @param address non-blank transport address
 */
public record Member(String id, String address) {

  /**
   * @throws IllegalArgumentException when the id or address is null, blank or the id contains
   *     whitespace
   */
  public Member {
    if (id == null || id.isBlank() || id.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("member id must be non-blank without whitespace: " + id);
    }
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("member " + id + " needs a non-blank address");
    }
  }

  /**
   * Parses {@code id=address}, the form used on command lines.
   *
   * @throws IllegalArgumentException when the text has no {@code =} or either side is invalid
   */
  public static Member parse(String text) {
    Objects.requireNonNull(text, "text");
    int eq = text.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("expected id=address, got: " + text);
    }
    return new Member(text.substring(0, eq).trim(), text.substring(eq + 1).trim());
  }
}
