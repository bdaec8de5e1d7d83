package io.reactiveraft.sim;

/**
 * One client operation of a history: when it was invoked and when its outcome arrived, on the
 * cluster's virtual clock.
 *
 * @param id unique in the history
 * @param client the client that issued it
 * @param key the register it touches
 * @param kind read, write or compare-and-set
 * @param value the value written (write, cas) or read (read, when ok)
 * @param expected the value a cas expects
 * @param invokedAt virtual nanos at invocation
 * @param completedAt virtual nanos at completion; {@link Long#MAX_VALUE} for an info op
 * @param outcome ok, fail (definitely not applied) or info (unknown)
 * @param casSucceeded for an ok cas, whether the compare held
 */
public record Operation(
    int id,
    int client,
    String key,
    Kind kind,
    String value,
    String expected,
    long invokedAt,
    long completedAt,
    Outcome outcome,
    boolean casSucceeded) {

  /** What the operation does. */
  public enum Kind {
    READ,
    WRITE,
    CAS
  }

  /** How the operation ended, in Jepsen's terms. */
  public enum Outcome {
    OK,
    FAIL,
    INFO
  }

  @Override
  public String toString() {
    String what =
        switch (kind) {
          case READ -> "read " + key + (outcome == Outcome.OK ? " -> " + value : "");
          case WRITE -> "write " + key + " := " + value;
          case CAS ->
              "cas "
                  + key
                  + " "
                  + expected
                  + " -> "
                  + value
                  + (outcome == Outcome.OK ? (casSucceeded ? " (ok)" : " (compare failed)") : "");
        };
    String end = completedAt == Long.MAX_VALUE ? "never" : String.valueOf(completedAt / 1_000_000);
    return "#"
        + id
        + " c"
        + client
        + " ["
        + invokedAt / 1_000_000
        + "ms.."
        + end
        + "ms] "
        + what
        + " "
        + outcome;
  }
}
