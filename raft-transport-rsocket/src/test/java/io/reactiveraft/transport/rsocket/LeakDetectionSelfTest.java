package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The leak check would catch a leak: a buffer dropped without release is reported, and only
 * RSocket's own setup frames are excused.
 */
class LeakDetectionSelfTest {

  @Test
  void anUnreleasedBufferIsReported() {
    NettyLeakCheck.collectLeaks(); // a late report of an earlier class's must not count here
    leakOneBuffer();
    List<String> ours = new ArrayList<>();
    Await.until(
        () -> {
          System.gc();
          NettyLeakCheck.pollDetectors();
          NettyLeakCheck.takeLeaks().stream()
              .filter(report -> report.contains("LEAK-SELF-TEST"))
              .forEach(ours::add);
          return !ours.isEmpty();
        },
        Duration.ofSeconds(20),
        "Netty reports the leaked buffer");
    assertThat(ours)
        .as("the after-class check would fail on it")
        .allMatch(report -> !NettyLeakCheck.isRSocketsOwnSetupFrame(report));
  }

  @Test
  void onlyASetupFrameThatNeverReachedThisProjectsCodeIsExcused() {
    String rsocketOnly =
        "Created at:\n\tio.rsocket.frame.SetupFrameCodec.encode(SetupFrameCodec.java:97)\n"
            + "\tio.rsocket.core.RSocketConnector.lambda$null$17(RSocketConnector.java:584)\n";
    String touchedByUs =
        rsocketOnly + "\tio.reactiveraft.transport.rsocket.PeerLink.issue(PeerLink.java:1)\n";
    assertThat(NettyLeakCheck.isRSocketsOwnSetupFrame(rsocketOnly)).isTrue();
    assertThat(NettyLeakCheck.isRSocketsOwnSetupFrame(touchedByUs)).isFalse();
  }

  private static void leakOneBuffer() {
    ByteBuf leaked = ByteBufAllocator.DEFAULT.buffer(64);
    leaked.writeInt(42);
    leaked.touch("LEAK-SELF-TEST");
    // Dropped without release() on purpose.
  }
}
