package io.reactiveraft.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.reactiveraft.spi.Codec;
import java.io.IOException;
import java.util.Objects;

/**
 * The default {@link Codec}: commands as JSON through Jackson. Thread-safe. Commands must be
 * Jackson-serialisable (records and POJOs are); for polymorphic command types annotate them with
 * {@code @JsonTypeInfo}.
 *
 * @param <C> command type
 */
public final class JacksonCodec<C> implements Codec<C> {

  private final ObjectMapper mapper;
  private final Class<C> type;

  private JacksonCodec(ObjectMapper mapper, Class<C> type) {
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.type = Objects.requireNonNull(type, "type");
  }

  /** A codec for {@code type} with a default {@link ObjectMapper}. */
  public static <C> JacksonCodec<C> of(Class<C> type) {
    return new JacksonCodec<>(new ObjectMapper(), type);
  }

  /** A codec for {@code type} with the caller's configured mapper. */
  public static <C> JacksonCodec<C> of(ObjectMapper mapper, Class<C> type) {
    return new JacksonCodec<>(mapper, type);
  }

  @Override
  public byte[] encode(C command) {
    try {
      return mapper.writeValueAsBytes(command);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode " + type.getSimpleName() + ": " + e, e);
    }
  }

  @Override
  public C decode(byte[] bytes) {
    try {
      return mapper.readValue(bytes, type);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot decode " + type.getSimpleName() + ": " + e, e);
    }
  }
}
