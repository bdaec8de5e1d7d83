package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak check would catch a leak: a buffer dropped without release is reported. */
class LeakDetectionSelfTest {

  @Test
  void anUnreleasedBufferIsReported() {
    leakOneBuffer();
    List<String> found = new ArrayList<>();
    Await.until(
        () -> {
          System.gc();
          NettyLeakCheck.pollDetectors();
          found.addAll(NettyLeakCheck.takeLeaks());
          return !found.isEmpty();
        },
        Duration.ofSeconds(20),
        "Netty reports the leaked buffer");
    assertThat(found).anySatisfy(report -> assertThat(report).contains("LEAK-SELF-TEST"));
  }

  private static void leakOneBuffer() {
    ByteBuf leaked = ByteBufAllocator.DEFAULT.buffer(64);
    leaked.writeInt(42);
    leaked.touch("LEAK-SELF-TEST");
    // Dropped without release() on purpose.
  }
}
