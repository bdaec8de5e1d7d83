package io.reactiveraft.bench.workload;

import io.reactiveraft.spi.Codec;

/** Commands that already are bytes: stored as they are, without a copy. */
public final class BytesCodec implements Codec<byte[]> {
  @Override
  public byte[] encode(byte[] command) {
    return command;
  }

  @Override
  public byte[] decode(byte[] bytes) {
    return bytes;
  }
}
