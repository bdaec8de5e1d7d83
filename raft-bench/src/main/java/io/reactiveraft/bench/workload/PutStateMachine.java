package io.reactiveraft.bench.workload;

import io.reactiveraft.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The benchmark's state machine: {@code HashMap<String, byte[]>.put(key, copy of value)}; the
 * result is the previous value's length, or -1. Anything that is not a PUT is ignored. Applied by
 * one thread.
 */
public final class PutStateMachine implements StateMachine<byte[], Integer> {

  private final Map<String, byte[]> values = new HashMap<>();

  /** A read of the command's key: the stored value's length, or -1. */
  @Override
  public Integer query(byte[] command) {
    if (command.length < 1 + PutCommands.KEY_LENGTH) {
      return -1;
    }
    byte[] value =
        values.get(new String(command, 1, PutCommands.KEY_LENGTH, StandardCharsets.ISO_8859_1));
    return value == null ? -1 : value.length;
  }

  @Override
  public Integer apply(long index, byte[] command) {
    if (command.length < 1 + PutCommands.KEY_LENGTH || command[0] != PutCommands.PUT) {
      return -1;
    }
    String key = new String(command, 1, PutCommands.KEY_LENGTH, StandardCharsets.ISO_8859_1);
    byte[] value = Arrays.copyOfRange(command, 1 + PutCommands.KEY_LENGTH, command.length);
    byte[] previous = values.put(key, value);
    return previous == null ? -1 : previous.length;
  }
}
