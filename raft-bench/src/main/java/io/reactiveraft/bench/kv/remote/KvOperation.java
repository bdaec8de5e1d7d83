package io.reactiveraft.bench.kv.remote;

import io.reactiveraft.bench.kv.KvCommand;
import java.util.ArrayList;
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
   * The command on one line of input: words separated by white space. A word may be quoted, {@code
   * "like this"}, to hold spaces (inside quotes, {@code \"} is a quote and {@code \\} a backslash);
   * the last argument (the value of put, the new value of cas), when not quoted, is the rest of the
   * line.
   *
   * @throws IllegalArgumentException with the operation's usage, when the line is not one
   */
  public static KvCommand parseLine(String line) {
    LineReader in = new LineReader(line);
    String op = in.word();
    if (op == null) {
      throw new IllegalArgumentException("no operation: expected put, get, delete or cas");
    }
    int arity = arity(op.toLowerCase(Locale.ROOT));
    boolean restIsValue = arity >= 2; // put and cas end with a value
    List<String> words = new ArrayList<>();
    words.add(op);
    for (int i = 1; i <= arity; i++) {
      String word = i == arity && restIsValue ? in.lastValue() : in.word();
      if (word == null) {
        break;
      }
      words.add(word);
    }
    if (in.word() != null) {
      throw new IllegalArgumentException("usage: " + usage(op.toLowerCase(Locale.ROOT)));
    }
    return parse(words);
  }

  /** Reads the words of one line, quoted or not. */
  private static final class LineReader {
    private final String line;
    private int at;

    LineReader(String line) {
      this.line = line;
    }

    /** The next word, or null at the end of the line. */
    String word() {
      return next(false);
    }

    /** A quoted word, or else the rest of the line, stripped; null at the end of the line. */
    String lastValue() {
      return next(true);
    }

    private String next(boolean restOfLine) {
      while (at < line.length() && Character.isWhitespace(line.charAt(at))) {
        at++;
      }
      if (at == line.length()) {
        return null;
      }
      if (line.charAt(at) == '"') {
        return quoted();
      }
      int start = at;
      while (at < line.length() && (restOfLine || !Character.isWhitespace(line.charAt(at)))) {
        at++;
      }
      return line.substring(start, at).strip();
    }

    private String quoted() {
      StringBuilder out = new StringBuilder();
      for (at++; at < line.length(); at++) {
        char c = line.charAt(at);
        if (c == '"') {
          at++;
          if (at < line.length() && !Character.isWhitespace(line.charAt(at))) {
            throw new IllegalArgumentException("text right after a closing quote");
          }
          return out.toString();
        }
        if (c == '\\' && at + 1 < line.length()) {
          c = line.charAt(++at);
        }
        out.append(c);
      }
      throw new IllegalArgumentException("a quote is not closed");
    }
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
