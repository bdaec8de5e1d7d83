package io.reactiveraft.bench.kv.remote;

import io.reactiveraft.bench.kv.KvCommand;
import java.util.List;
import java.util.Locale;

/**
 * Parses the operations of the {@code kv} command: {@code put KEY VALUE}, {@code get KEY}, {@code
 * delete KEY}, {@code cas KEY EXPECTED NEW}. Static methods, thread-safe.
 */
public final class KvOperation {

  private KvOperation() {}

  /**
   * The command named by {@code words} (from the command line: one word per argument).
   *
   * @throws IllegalArgumentException with the operation's usage, when the words are not one
   */
  public static KvCommand parse(List<String> words) {
    if (words.isEmpty()) {
      throw new IllegalArgumentException("no operation: expected put, get, delete or cas");
    }
    String op = words.get(0).toLowerCase(Locale.ROOT);
    int arity = arity(op);
    if (words.size() != arity + 1) {
      throw new IllegalArgumentException("usage: " + usage(op));
    }
    return switch (op) {
      case "put" -> KvCommand.put(words.get(1), words.get(2));
      case "get" -> KvCommand.get(words.get(1));
      case "delete" -> KvCommand.delete(words.get(1));
      default -> KvCommand.cas(words.get(1), words.get(2), words.get(3));
    };
  }

  /**
   * The command on one line of input: words separated by white space, except that the last argument
   * (the value of put, the new value of cas) is the rest of the line.
   *
   * @throws IllegalArgumentException with the operation's usage, when the line is not one
   */
  public static KvCommand parseLine(String line) {
    String trimmed = line.strip();
    String op = trimmed.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
    // Only a value may hold spaces: the rest of the line after the words before it.
    int limit = op.equals("put") || op.equals("cas") ? arity(op) + 1 : 0;
    return parse(List.of(trimmed.split("\\s+", limit)));
  }

  private static int arity(String op) {
    return switch (op) {
      case "put" -> 2;
      case "get", "delete" -> 1;
      case "cas" -> 3;
      default ->
          throw new IllegalArgumentException(
              "unknown operation '" + op + "': expected put, get, delete or cas");
    };
  }

  private static String usage(String op) {
    return switch (op) {
      case "put" -> "put KEY VALUE";
      case "get" -> "get KEY";
      case "delete" -> "delete KEY";
      default -> "cas KEY EXPECTED NEW";
    };
  }
}
