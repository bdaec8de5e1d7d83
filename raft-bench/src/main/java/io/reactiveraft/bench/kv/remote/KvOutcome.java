package io.reactiveraft.bench.kv.remote;

import java.util.Objects;

/**
 * How one KV client operation ended, as the {@code kv} command prints it: {@code ok [VALUE]},
 * {@code fail REASON} (definitely not applied) or {@code info REASON} (outcome unknown).
 *
 * @param kind the verdict
 * @param text the value read (OK, may be null) or the reason (FAIL, INFO)
 */
public record KvOutcome(Kind kind, String text) {

  /** The three verdicts, each with the exit code of a single-operation {@code kv} run. */
  public enum Kind {
    /** Applied (a write) or answered (a read). */
    OK(0),
    /** Definitely not applied, or a CAS whose expected value did not match. */
    FAIL(1),
    /** Unknown: the write may or may not have been applied. */
    INFO(3);

    private final int exitCode;

    Kind(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  public KvOutcome {
    Objects.requireNonNull(kind, "kind");
  }

  static KvOutcome ok(String value) {
    return new KvOutcome(Kind.OK, value);
  }

  static KvOutcome fail(String reason) {
    return new KvOutcome(Kind.FAIL, reason);
  }

  static KvOutcome info(String reason) {
    return new KvOutcome(Kind.INFO, reason);
  }

  /**
   * The printed line, always one: the verdict in lower case, then the value or reason when there is
   * one. Backslash, carriage return and line feed are escaped ({@code \\}, {@code \r}, {@code \n}),
   * so that a value holding a line break cannot shift the lines of later operations; in a value, so
   * is a double quote, and the empty value prints as {@code ""}, apart from a missing key's bare
   * {@code ok}.
   */
  public String line() {
    String verdict = kind.name().toLowerCase(java.util.Locale.ROOT);
    if (text == null) {
      return verdict;
    }
    boolean value = kind == Kind.OK;
    return verdict + " " + (value && text.isEmpty() ? "\"\"" : escape(text, value));
  }

  private static String escape(String text, boolean quotes) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '"' -> out.append(quotes ? "\\\"" : "\"");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
