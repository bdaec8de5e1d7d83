package io.reactiveraft.sim;

import io.reactiveraft.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
    if (index <= lastIndex && wentBack == null) {
      wentBack = "applied index " + index + " after index " + lastIndex;
    }
    lastIndex = index;
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

  /** The registers and the history of applied commands, one per line after a count. */
  @Override
  public Snapshot snapshot() {
    Map<String, String> valuesNow = Map.copyOf(values);
    List<String> appliedNow = List.copyOf(applied);
    return out -> {
      DataOutputStream data = new DataOutputStream(out);
      data.writeInt(valuesNow.size());
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(valuesNow).entrySet()) {
        data.writeUTF(e.getKey());
        data.writeUTF(e.getValue());
      }
      data.writeInt(appliedNow.size());
      for (String command : appliedNow) {
        data.writeUTF(command);
      }
      data.flush();
    };
  }

  @Override
  public void restoreSnapshot(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    Map<String, String> restoredValues = new HashMap<>();
    for (int i = data.readInt(); i > 0; i--) {
      restoredValues.put(data.readUTF(), data.readUTF());
    }
    List<String> restoredApplied = new ArrayList<>();
    for (int i = data.readInt(); i > 0; i--) {
      restoredApplied.add(data.readUTF());
    }
    if (restoredApplied.size() < applied.size() && wentBack == null) {
      wentBack =
          "restored a snapshot of "
              + restoredApplied.size()
              + " commands over a state of "
              + applied.size();
    }
    values.clear();
    values.putAll(restoredValues);
    applied.clear();
    applied.addAll(restoredApplied);
    restores++;
  }

  private int restores;

  /** The index of the last apply; a restore does not know its index, so it leaves this be. */
  private long lastIndex;

  /** How this incarnation's state first went back in the log, or null: it never may. */
  private String wentBack;

  String wentBack() {
    return wentBack;
  }

  /** How many times its state was replaced by a snapshot. */
  int restores() {
    return restores;
  }
}
