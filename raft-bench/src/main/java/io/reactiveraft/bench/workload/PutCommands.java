package io.reactiveraft.bench.workload;

import java.util.SplittableRandom;

/**
 * The benchmark's commands (shared/peerbench/WORKLOAD.md): {@code 'P'}, a 16-byte key {@code "k" +
 * 15 digits} drawn uniformly from [0, keys), then {@code payload} random bytes. One generator
 * thread; not thread-safe.
 */
public final class PutCommands {

  public static final byte PUT = 'P';
  public static final int KEY_LENGTH = 16;

  private final SplittableRandom random;
  private final int keys;
  private final int payload;

  public PutCommands(long seed, int keys, int payload) {
    this.random = new SplittableRandom(seed);
    this.keys = keys;
    this.payload = payload;
  }

  /** The next command: key index, then ceil(payload / 8) longs, little-endian. */
  public byte[] next() {
    byte[] command = new byte[1 + KEY_LENGTH + payload];
    command[0] = PUT;
    command[1] = 'k';
    int key = random.nextInt(keys);
    for (int i = KEY_LENGTH; i >= 2; i--, key /= 10) {
      command[i] = (byte) ('0' + key % 10);
    }
    int i = 1 + KEY_LENGTH;
    while (i < command.length) {
      long bits = random.nextLong();
      for (int b = 0; b < 8 && i < command.length; b++, i++, bits >>>= 8) {
        command[i] = (byte) bits;
      }
    }
    return command;
  }
}
