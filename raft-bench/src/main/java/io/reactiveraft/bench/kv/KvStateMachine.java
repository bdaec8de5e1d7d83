package io.reactiveraft.bench.kv;

import io.reactiveraft.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The key-value example's state: a map applied to by the node's apply thread. {@link #read} may be
 * called from any thread and sees the applied state, which on a follower may lag.
 */
public final class KvStateMachine implements StateMachine<KvCommand, KvResult> {

  /**
   * Written by the apply thread only. A restore swaps in a whole new map rather than clearing this
   * one and filling it, so a reader on another thread never sees a half-restored state.
   */
  private volatile Map<String, String> data = new ConcurrentHashMap<>();

  @Override
  public KvResult apply(long index, KvCommand c) {
    return switch (c.op()) {
      case PUT -> new KvResult(true, put(c.key(), c.value()));
      case GET -> new KvResult(true, data.get(c.key()));
      case DELETE -> new KvResult(true, data.remove(c.key()));
      case CAS -> {
        String current = data.get(c.key());
        if (!Objects.equals(current, c.expected())) {
          yield new KvResult(false, current);
        }
        put(c.key(), c.value());
        yield new KvResult(true, current);
      }
    };
  }

  /**
   * Answers a {@link KvCommand.Op#GET} for {@link io.reactiveraft.RaftNode#read}, on the apply
   * thread.
   *
   * @throws IllegalArgumentException for any other operation: only reads may skip the log
   */
  @Override
  public KvResult query(KvCommand c) {
    if (c.op() != KvCommand.Op.GET) {
      throw new IllegalArgumentException("only GET can be read without the log, not " + c.op());
    }
    return new KvResult(true, data.get(c.key()));
  }

  private String put(String key, String value) {
    return value == null ? data.remove(key) : data.put(key, value);
  }

  /**
   * Its image: the entries sorted by key, each as two length-prefixed UTF-8 strings after a count.
   * The copy is taken on the apply thread; writing it happens later, on another thread.
   */
  @Override
  public Snapshot snapshot() {
    Map<String, String> copy = new TreeMap<>(data);
    return out -> {
      DataOutputStream stream = new DataOutputStream(out);
      stream.writeInt(copy.size());
      for (Map.Entry<String, String> e : copy.entrySet()) {
        writeString(stream, e.getKey());
        writeString(stream, e.getValue());
      }
      stream.flush();
    };
  }

  @Override
  public void restoreSnapshot(InputStream in) throws IOException {
    // Read whole before anything changes: a damaged image fails here and leaves the state as it
    // was.
    DataInputStream stream = new DataInputStream(in);
    Map<String, String> restored = new ConcurrentHashMap<>();
    int count = stream.readInt();
    if (count < 0) {
      throw new IOException("damaged snapshot: negative entry count");
    }
    for (int i = count; i > 0; i--) {
      restored.put(readString(stream), readString(stream));
    }
    data = restored;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      throw new IOException("damaged snapshot: negative string length");
    }
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new EOFException("damaged snapshot: a string ends early");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** The applied value of {@code key}, read locally (not linearizable). */
  public Optional<String> read(String key) {
    return Optional.ofNullable(data.get(key));
  }

  /** How many keys the applied state holds. */
  public int size() {
    return data.size();
  }
}
