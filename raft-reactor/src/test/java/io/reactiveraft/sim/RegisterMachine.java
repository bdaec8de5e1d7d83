package io.reactiveraft.sim;

import io.reactiveraft.StateMachine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Registers keyed by name, the simulation's state machine. Commands are text: {@code r KEY}, {@code
 * w KEY VALUE}, {@code c KEY EXPECTED NEW} where {@code -} stands for "absent". Reads answer the
 * value ({@code ""} when absent), writes {@code ok}, compare-and-sets {@code true} or {@code
 * false}. Records every command applied, in order.
 */
final class RegisterMachine implements StateMachine<String, String> {

  static final String ABSENT_TOKEN = "-";

  private final Map<String, String> values = new HashMap<>();
  private final List<String> applied = new ArrayList<>();

  static String read(String key) {
    return "r " + key;
  }

  static String write(String key, String value) {
    return "w " + key + " " + value;
  }

  static String cas(String key, String expected, String value) {
    return "c " + key + " " + (expected.isEmpty() ? ABSENT_TOKEN : expected) + " " + value;
  }

  @Override
  public String apply(long index, String command) {
    applied.add(command);
    String[] p = command.split(" ");
    String current = values.getOrDefault(p[1], "");
    switch (p[0]) {
      case "r":
        return current;
      case "w":
        values.put(p[1], p[2]);
        return "ok";
      case "c":
        String expected = p[2].equals(ABSENT_TOKEN) ? "" : p[2];
        if (!current.equals(expected)) {
          return "false";
        }
        values.put(p[1], p[3]);
        return "true";
      default:
        throw new IllegalArgumentException("unknown command " + command);
    }
  }

  /** Reads answer without the log: {@code r KEY} gives the value, {@code ""} when absent. */
  @Override
  public String query(String command) {
    String[] p = command.split(" ");
    if (!p[0].equals("r")) {
      throw new IllegalArgumentException("not a read: " + command);
    }
    return values.getOrDefault(p[1], "");
  }

  List<String> applied() {
    return applied;
  }
}
