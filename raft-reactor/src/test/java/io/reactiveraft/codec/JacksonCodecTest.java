package io.reactiveraft.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.junit.jupiter.api.Test;

class JacksonCodecTest {

  /** A command type Jackson cannot read back: an interface without type information. */
  interface Untyped {}

  record Circle(double radius) implements Untyped, Typed {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({@JsonSubTypes.Type(value = Circle.class, name = "circle")})
  interface Typed {}

  @Test
  void aCommandRoundTrips() {
    JacksonCodec<Circle> codec = JacksonCodec.of(Circle.class);
    assertThat(codec.decode(codec.encode(new Circle(2)))).isEqualTo(new Circle(2));
  }

  @Test
  void aPolymorphicCommandWithTypeInformationRoundTrips() {
    JacksonCodec<Typed> codec = JacksonCodec.of(Typed.class);
    assertThat(codec.decode(codec.encode(new Circle(2)))).isEqualTo(new Circle(2));
  }

  @Test
  void aTypeThatCannotBeReadBackFailsWhenEncodedNotWhenApplied() {
    JacksonCodec<Untyped> codec = JacksonCodec.of(Untyped.class);
    assertThatThrownBy(() -> codec.encode(new Circle(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("as Untyped");
  }

  /** A non-final command class whose subclass adds a field. */
  static class Base {
    public int a = 1;
  }

  static final class Sub extends Base {
    public int b = 2;
  }

  @Test
  void aSubclassOfAnUntypedCommandClassFailsWhenEncodedRatherThanLoseItsFields() {
    JacksonCodec<Base> codec = JacksonCodec.of(Base.class);
    assertThat(codec.decode(codec.encode(new Base())).a).isEqualTo(1);
    assertThatThrownBy(() -> codec.encode(new Sub()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no @JsonTypeInfo");
  }

  @Test
  void bytesThatAreNotACommandFailToDecodeWithIllegalArgument() {
    JacksonCodec<Circle> codec = JacksonCodec.of(Circle.class);
    assertThatThrownBy(() -> codec.decode(new byte[] {'{', 'x'}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
