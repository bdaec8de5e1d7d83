package io.reactiveraft.testing;

import io.reactiveraft.RaftConfig;
import io.reactiveraft.log.MappedLogOptions;
import io.reactiveraft.log.MappedLogStore;
import io.reactiveraft.spi.LogStore;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings for multi-node tests on real threads, sized for a slow, loaded machine: a pause of a few
 * hundred milliseconds (a collection, a starved core) must not move leadership or fail a command,
 * or a test that expects every write to succeed fails for reasons it does not test.
 */
public final class RealTimeNodes {

  private RealTimeNodes() {}

  /** Election timeout 1 s, heartbeats every 100 ms, commands given 30 s. */
  public static <C, R> RaftConfig.Builder<C, R> loadTolerant(RaftConfig.Builder<C, R> builder) {
    return builder
        .electionTimeout(Duration.ofSeconds(1))
        .heartbeatInterval(Duration.ofMillis(100))
        .defaultCommandTimeout(Duration.ofSeconds(30));
  }

  /**
   * A durable log with 1 MiB segments: the default 64 MiB would have each node write and force 64
   * MiB of zeros before its first entry.
   */
  public static LogStore mappedLog(Path dir) {
    return MappedLogStore.open(dir, MappedLogOptions.builder().segmentSize(1 << 20).build());
  }
}
