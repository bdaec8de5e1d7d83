package io.reactiveraft.testing;

import io.reactiveraft.spi.Codec;
import java.nio.charset.StandardCharsets;

/** Commands as UTF-8 strings. */
public final class StringCodec implements Codec<String> {
  @Override
  public byte[] encode(String command) {
    return command.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String decode(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
