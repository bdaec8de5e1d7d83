package io.reactiveraft.bench.kv;

import java.util.Objects;

/**
 * A command of the key-value example. {@code expected} is used by {@link Op#CAS} only.
 *
 * @param op what to do
 * @param key the key, never null
 * @param value the new value for PUT and CAS; null removes the key, as DELETE does
 * @param expected the value CAS expects to find (null: expects the key to be absent)
 */
public record KvCommand(Op op, String key, String value, String expected) {

  /** The operations of the example store. */
  public enum Op {
    PUT,
    GET,
    DELETE,
    CAS
  }

  public KvCommand {
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(key, "key");
  }

  public static KvCommand put(String key, String value) {
    return new KvCommand(Op.PUT, key, value, null);
  }

  public static KvCommand get(String key) {
    return new KvCommand(Op.GET, key, null, null);
  }

  public static KvCommand delete(String key) {
    return new KvCommand(Op.DELETE, key, null, null);
  }

  public static KvCommand cas(String key, String expected, String value) {
    return new KvCommand(Op.CAS, key, value, expected);
  }
}
