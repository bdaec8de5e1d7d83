package io.reactiveraft.testing;

import io.reactiveraft.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Records every command it applies, in order, and answers {@code "index:command"} so a test can
 * tell that a caller got the result of its own command.
 */
public final class RecordingStateMachine implements StateMachine<String, String> {

  private final List<String> applied = new ArrayList<>();

  @Override
  public synchronized String apply(long index, String command) {
    applied.add(command);
    return index + ":" + command;
  }

  /** Answers any query with how many commands were applied: {@code "applied=N"}. */
  @Override
  public synchronized String query(String query) {
    return "applied=" + applied.size();
  }

  private int restores;

  /** Its image: the commands applied so far, one per line. */
  @Override
  public synchronized Snapshot snapshot() {
    List<String> now = List.copyOf(applied);
    return out -> {
      DataOutputStream data = new DataOutputStream(out);
      data.writeInt(now.size());
      for (String command : now) {
        data.writeUTF(command);
      }
      data.flush();
    };
  }

  @Override
  public synchronized void restoreSnapshot(InputStream in) throws IOException {
    restoreAttempts++;
    DataInputStream data = new DataInputStream(in);
    List<String> restored = new ArrayList<>();
    for (int i = data.readInt(); i > 0; i--) {
      restored.add(data.readUTF());
    }
    applied.clear();
    applied.addAll(restored);
    restores++;
    lastRestoredSize = restored.size();
  }

  private int lastRestoredSize;

  private int restoreAttempts;

  /** How many times it was handed an image to restore, whether or not it could read it. */
  public synchronized int restoreAttempts() {
    return restoreAttempts;
  }

  /** How many commands the last snapshot restored held. */
  public synchronized int lastRestoredSize() {
    return lastRestoredSize;
  }

  /** How many times its state was replaced by a snapshot. */
  public synchronized int restores() {
    return restores;
  }

  /** The commands applied so far, in order. */
  public synchronized List<String> applied() {
    return List.copyOf(applied);
  }
}
