package io.reactiveraft.codec;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.reactiveraft.spi.Codec;
import java.io.IOException;
import java.util.Objects;

/**
 * The default {@link Codec}: commands as JSON through Jackson. Thread-safe. Commands must be
 * Jackson-serialisable (records and POJOs are) and of the codec's type exactly, unless that type is
 * annotated with {@code @JsonTypeInfo} (as polymorphic command types must be): a command of another
 * class fails to encode, before it reaches the log. The mapper is used as configured when the codec
 * is made.
 *
 * @param <C> command type
 */
public final class JacksonCodec<C> implements Codec<C> {

  private final Class<C> type;

  /**
   * Both for the declared type, not the command's runtime class: what is written is then what
   * decoding will read, and a type Jackson cannot read back (an interface without type information,
   * say) fails at encoding, before the command reaches the log.
   */
  private final ObjectWriter writer;

  private final ObjectReader reader;

  private JacksonCodec(ObjectMapper mapper, Class<C> type) {
    Objects.requireNonNull(mapper, "mapper");
    this.type = Objects.requireNonNull(type, "type");
    this.writer = mapper.writerFor(type);
    this.reader = mapper.readerFor(type);
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
    if (command.getClass() != type && !type.isAnnotationPresent(JsonTypeInfo.class)) {
      // Decoding reads the declared type: a subclass's own fields would be lost, and an interface
      // or abstract class could not be read back at all.
      throw new IllegalArgumentException(
          "cannot encode a "
              + command.getClass().getName()
              + " as "
              + type.getSimpleName()
              + ", which carries no @JsonTypeInfo: decoding would read a "
              + type.getSimpleName());
    }
    try {
      return writer.writeValueAsBytes(command);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode " + type.getSimpleName() + ": " + e, e);
    }
  }

  @Override
  public C decode(byte[] bytes) {
    try {
      return reader.readValue(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot decode " + type.getSimpleName() + ": " + e, e);
    }
  }
}
