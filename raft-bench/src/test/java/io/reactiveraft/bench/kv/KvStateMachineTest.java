package io.reactiveraft.bench.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KvStateMachineTest {

  @Test
  void anImageRestoresTheSameState() throws Exception {
    KvStateMachine source = new KvStateMachine();
    source.apply(1, KvCommand.put("a", "1"));
    source.apply(2, KvCommand.put("b", "two"));
    KvStateMachine target = new KvStateMachine();
    target.apply(1, KvCommand.put("stale", "x"));

    target.restoreSnapshot(new ByteArrayInputStream(image(source)));

    assertThat(target.read("a")).contains("1");
    assertThat(target.read("b")).contains("two");
    assertThat(target.read("stale")).isEmpty();
    assertThat(target.size()).isEqualTo(2);
  }

  @Test
  void anImageCutShortFailsAndLeavesTheStateAsItWas() throws Exception {
    KvStateMachine source = new KvStateMachine();
    source.apply(1, KvCommand.put("key", "a long value"));
    byte[] whole = image(source);
    KvStateMachine target = new KvStateMachine();
    target.apply(1, KvCommand.put("kept", "yes"));

    // Cut inside the last value: its length says more bytes than are left.
    byte[] cut = Arrays.copyOf(whole, whole.length - 3);
    assertThatThrownBy(() -> target.restoreSnapshot(new ByteArrayInputStream(cut)))
        .isInstanceOf(EOFException.class);

    assertThat(target.read("kept")).isEqualTo(Optional.of("yes"));
    assertThat(target.read("key")).isEmpty();
  }

  @Test
  void anImageWithANegativeCountFailsAndLeavesTheStateAsItWas() {
    KvStateMachine target = new KvStateMachine();
    target.apply(1, KvCommand.put("kept", "yes"));

    byte[] negative = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe};
    assertThatThrownBy(() -> target.restoreSnapshot(new ByteArrayInputStream(negative)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("negative entry count");

    assertThat(target.read("kept")).isEqualTo(Optional.of("yes"));
  }

  private static byte[] image(KvStateMachine machine) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    machine.snapshot().writeTo(out);
    return out.toByteArray();
  }
}
