package io.reactiveraft.testing;

import io.reactiveraft.StateMachine;
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

  /** The commands applied so far, in order. */
  public synchronized List<String> applied() {
    return List.copyOf(applied);
  }
}
