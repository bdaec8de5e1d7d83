package io.reactiveraft.transport.local;

import io.reactiveraft.message.RaftMessage;
import java.time.Duration;
import java.util.Objects;

/**
 * A fault on the messages that match it: from a sender, to a receiver, of a kind (each null for
 * "any"). A message is dropped with {@code dropRate}, sent twice with {@code duplicateRate}, and
 * delayed by a uniform draw from [minDelay, maxDelay]; delays that differ between messages reorder
 * them.
 *
 * @param from the sender id, or null for any
 * @param to the receiver id, or null for any
 * @param kind the message class, or null for any
 * @param dropRate probability in [0, 1] that the message is lost
 * @param duplicateRate probability in [0, 1] that it is delivered twice
 * @param minDelay least added delay
 * @param maxDelay most added delay
 */
public record LinkRule(
    String from,
    String to,
    Class<? extends RaftMessage> kind,
    double dropRate,
    double duplicateRate,
    Duration minDelay,
    Duration maxDelay) {

  public LinkRule {
    probability(dropRate, "dropRate");
    probability(duplicateRate, "duplicateRate");
    Objects.requireNonNull(minDelay, "minDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (minDelay.isNegative() || maxDelay.compareTo(minDelay) < 0) {
      throw new IllegalArgumentException("need 0 <= minDelay <= maxDelay");
    }
  }

  /** Drops matching messages with probability {@code rate}. */
  public static LinkRule drop(
      String from, String to, Class<? extends RaftMessage> kind, double rate) {
    return new LinkRule(from, to, kind, rate, 0, Duration.ZERO, Duration.ZERO);
  }

  /** Delivers matching messages twice with probability {@code rate}. */
  public static LinkRule duplicate(
      String from, String to, Class<? extends RaftMessage> kind, double rate) {
    return new LinkRule(from, to, kind, 0, rate, Duration.ZERO, Duration.ZERO);
  }

  /** Delays matching messages by a uniform draw from [min, max], which reorders them. */
  public static LinkRule delay(
      String from, String to, Class<? extends RaftMessage> kind, Duration min, Duration max) {
    return new LinkRule(from, to, kind, 0, 0, min, max);
  }

  boolean matches(RaftMessage m) {
    return (from == null || from.equals(m.from()))
        && (to == null || to.equals(m.to()))
        && (kind == null || kind.isInstance(m));
  }

  private static void probability(double p, String name) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1]: " + p);
    }
  }
}
