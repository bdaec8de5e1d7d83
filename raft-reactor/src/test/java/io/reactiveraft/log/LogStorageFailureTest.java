package io.reactiveraft.log;

import static io.reactiveraft.log.MappedLogStoreTest.entries;
import static io.reactiveraft.log.MappedLogStoreTest.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage that fails: a full disk, a force that reports an error. The store fails that flush and
 * every later write (fail-stop: never retried and then reported as success), with an error that
 * says what happened, and the JVM survives.
 */
class LogStorageFailureTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int SEGMENT = 4 * PageCacheDirectory.PAGE;
  private static final MappedLogOptions OPTIONS =
      MappedLogOptions.builder().segmentSize(SEGMENT).cacheSize(4).build();

  @TempDir Path dir;

  @Test
  void aFullDiskFailsTheFlushWithAClearErrorAndStopsTheStore() {
    PageCacheDirectory disk = new PageCacheDirectory();
    disk.capacity(MetadataFile.FILE_SIZE + SEGMENT); // room for one segment only
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "full");
    List<LogEntry> first = entries(1, 10, 1, 1000, 1);
    store.append(first);
    store.flush().block(WAIT);

    store.append(entries(11, 30, 1, 1000, 2)); // needs a second segment
    assertThatThrownBy(() -> store.flush().block(WAIT))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("No space left on device")
        .hasMessageContaining("appending failed");
    assertThatThrownBy(() -> store.append(List.of(entry(31, 1, "x"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("failed earlier")
        .hasRootCauseMessage("No space left on device");
    assertThatThrownBy(() -> store.saveHardState(new HardState(2, null)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.flush().block(WAIT))
        .hasMessageContaining("No space left on device");
    assertThat(store.entries(1, 10)).containsExactlyElementsOf(first); // reads still work
    store.close();

    MappedLogStore reopened = MappedLogStore.open(disk.afterProcessKill(), OPTIONS, "full");
    try {
      assertThat(reopened.entries(1, 10)).containsExactlyElementsOf(first);
    } finally {
      reopened.close();
    }
  }

  @Test
  void aFullDiskAtOpenIsAClearError() {
    PageCacheDirectory disk = new PageCacheDirectory();
    disk.capacity(1000);
    assertThatThrownBy(() -> MappedLogStore.open(disk, OPTIONS, "full"))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot open log sim:/log/")
        .hasMessageContaining("No space left on device");
  }

  /**
   * A failing disk can surface as an {@code Error} (a read through a mapping of a bad sector
   * becomes InternalError): the open fails with it, and releases the directory, so that a later
   * open in the same JVM is not refused as a second one.
   */
  @Test
  void anErrorWhileOpeningReleasesTheDirectory() {
    MappedLogStore first = MappedLogStore.open(dir, OPTIONS);
    first.append(entries(1, 5, 1, 100, 3));
    first.flush().block(Duration.ofSeconds(10));
    first.close();
    MappedLogOptions failing =
        MappedLogOptions.builder()
            .forceHook(
                file -> {
                  throw new InternalError("a fault occurred in a recent unsafe memory access");
                })
            .build();

    assertThatThrownBy(() -> MappedLogStore.open(dir, failing)).isInstanceOf(InternalError.class);

    MappedLogStore reopened = MappedLogStore.open(dir, OPTIONS);
    try {
      assertThat(reopened.lastIndex()).isEqualTo(5);
    } finally {
      reopened.close();
    }
  }

  @Test
  void aFailedForceFailsThatFlushAndEveryLaterOneWithoutRetrying() {
    AtomicBoolean failing = new AtomicBoolean();
    MappedLogOptions options =
        MappedLogOptions.builder()
            .segmentSize(64 * 1024)
            .forceHook(
                file -> {
                  if (failing.get()) {
                    throw new IOException("Input/output error (injected) on " + file);
                  }
                })
            .build();
    MappedLogStore store = MappedLogStore.open(dir, options);
    store.append(List.of(entry(1, 1, "acknowledged")));
    store.flush().block(WAIT);
    store.written().block(WAIT); // the watermark is recorded after the flush is answered

    failing.set(true);
    store.append(List.of(entry(2, 1, "never acknowledged")));
    assertThatThrownBy(() -> store.flush().block(WAIT))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("Input/output error (injected) on " + Segment.fileName(1));
    failing.set(false); // the device recovers, the store must not
    assertThatThrownBy(() -> store.flush().block(WAIT))
        .hasMessageContaining("Input/output error (injected)");
    assertThatThrownBy(() -> store.append(List.of(entry(3, 1, "x"))))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.saveHardState(new HardState(1, "n1")))
        .isInstanceOf(IllegalStateException.class);
    store.close();

    MappedLogStore reopened = MappedLogStore.open(dir, options);
    try {
      assertThat(reopened.entries(1, 1)).containsExactly(entry(1, 1, "acknowledged"));
    } finally {
      reopened.close();
    }
  }

  @Test
  void aFailedForceOfTheMetadataFailsSaveHardStateAndTheStore() {
    AtomicBoolean failing = new AtomicBoolean();
    MappedLogOptions options =
        MappedLogOptions.builder()
            .segmentSize(64 * 1024)
            .forceHook(
                file -> {
                  if (failing.get() && file.equals(MetadataFile.NAME)) {
                    throw new IOException("Input/output error (injected)");
                  }
                })
            .build();
    MappedLogStore store = MappedLogStore.open(dir, options);
    try {
      failing.set(true);
      assertThatThrownBy(() -> store.saveHardState(new HardState(2, "n1")))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("writing metadata file")
          .hasMessageContaining("Input/output error (injected)");
      assertThatThrownBy(() -> store.append(List.of(entry(1, 1, "x"))))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> store.flush().block(WAIT))
          .hasMessageContaining("Input/output error (injected)");
    } finally {
      store.close();
    }
  }

  @Test
  void aForceFailingOnTheSimulatedDiskFailsTheFlush() {
    PageCacheDirectory disk = new PageCacheDirectory();
    MappedLogStore store = MappedLogStore.open(disk, OPTIONS, "eio");
    try {
      store.append(List.of(entry(1, 1, "a")));
      disk.failForces(true);
      assertThatThrownBy(() -> store.flush().block(WAIT))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("Input/output error (simulated)");
    } finally {
      store.close();
    }
  }
}
