package io.reactiveraft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/** The store on real memory-mapped files: the LogStore contract, restarts, and its limits. */
class MappedLogStoreTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final MappedLogOptions SMALL =
      MappedLogOptions.builder().segmentSize(64 * 1024).cacheSize(8).build();

  @TempDir Path dir;

  static LogEntry entry(long index, long term, String text) {
    return new LogEntry(index, term, EntryType.COMMAND, text.getBytes());
  }

  static List<LogEntry> entries(long from, long to, long term, int size, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<LogEntry> list = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      byte[] payload = new byte[size < 0 ? random.nextInt(-size) : size];
      random.nextBytes(payload);
      list.add(new LogEntry(i, term, EntryType.COMMAND, payload));
    }
    return list;
  }

  @Test
  void theWatermarkIsRecordedOnceTheWriterHasNothingLeftToDo() throws InterruptedException {
    Semaphore recorded = new Semaphore(0);
    MappedLogOptions options =
        MappedLogOptions.builder()
            .segmentSize(64 * 1024)
            .forceHook(
                name -> {
                  if (name.equals(MetadataFile.NAME)) {
                    recorded.release();
                  }
                })
            .build();
    try (var store = new Closing(MappedLogStore.open(dir, options))) {
      recorded.drainPermits(); // the new store's own metadata
      // Round after round, each well inside the interval after the last one was recorded: only
      // the writer running out of work records them.
      for (int round = 0; round < 5; round++) {
        store.get().append(entries(round * 10 + 1, round * 10 + 10, 1, 100, round));
        store.get().flush().block(WAIT);
        assertThat(recorded.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS))
            .as("round %d: the metadata file forced with nothing more asked of the store", round)
            .isTrue();
      }
    }
  }

  @Test
  void aBusyWriterRecordsTheWatermarkAtMostEveryInterval() {
    long interval = Watermark.INTERVAL_NANOS;
    assertThat(Watermark.due(true, 0)).as("idle").isTrue();
    assertThat(Watermark.due(false, interval - 1)).as("busy, recorded just now").isFalse();
    assertThat(Watermark.due(false, interval)).as("busy, interval passed").isTrue();
  }

  @Test
  void aDirectoryBesideTheLogIsNoneOfItsFiles() throws Exception {
    // Applications keep snapshots in a subdirectory of the log's; the log does not take it for
    // a stray file of its own (and warn about it at every start).
    Files.createDirectory(dir.resolve("snapshots"));
    Files.writeString(dir.resolve("stray"), "x");
    MappedStorageDirectory storage =
        MappedStorageDirectory.open(dir, MappedLogOptions.ForceHook.NONE);
    try {
      assertThat(storage.list()).contains("stray").doesNotContain("snapshots");
    } finally {
      storage.close();
    }
  }

  @Test
  void aNewStoreIsEmpty() {
    try (var store = new Closing(MappedLogStore.open(dir.resolve("new"), SMALL))) {
      assertThat(store.get().hardState()).isEqualTo(HardState.INITIAL);
      assertThat(store.get().firstIndex()).isEqualTo(1);
      assertThat(store.get().lastIndex()).isZero();
      assertThat(store.get().entries(1, 0)).isEmpty();
      store.get().flush().block(WAIT);
    }
    assertThat(dir.resolve("new").resolve(MetadataFile.NAME)).exists();
  }

  @Test
  void appendedEntriesReadBackAcrossSegmentsFromTheCacheAndTheMapping() {
    List<LogEntry> all = entries(1, 2000, 1, -300, 1);
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      for (int i = 0; i < all.size(); i += 100) {
        store.get().append(all.subList(i, i + 100));
      }
      assertThat(store.get().lastIndex()).isEqualTo(2000);
      assertThat(store.get().entries(1, 2000)).containsExactlyElementsOf(all);
      store.get().written().block(WAIT);
      assertThat(store.get().entries(1, 2000)).containsExactlyElementsOf(all);
      assertThat(store.get().entries(777, 1555)).containsExactlyElementsOf(all.subList(776, 1555));
      store.get().flush().block(WAIT);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.filter(p -> p.toString().endsWith(Segment.SUFFIX)).count())
          .as("2000 entries of about 175 bytes need several 64 KiB segments")
          .isGreaterThan(4);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void successiveHardStatesOfOneStoreReopenAsTheLastOne() {
    // The metadata file reuses one slot buffer: each save must encode its state whole, whatever
    // the one before (a longer vote, then none) left in it.
    MappedLogStore store = MappedLogStore.open(dir, SMALL);
    store.saveHardState(new HardState(3, "a-member-with-a-long-name"));
    store.saveHardState(new HardState(4, "n2"));
    store.close();
    MappedLogStore reopened = MappedLogStore.open(dir, SMALL);
    try {
      assertThat(reopened.hardState()).isEqualTo(new HardState(4, "n2"));
      reopened.saveHardState(new HardState(5, null));
    } finally {
      reopened.close();
    }
    MappedLogStore third = MappedLogStore.open(dir, SMALL);
    try {
      assertThat(third.hardState()).isEqualTo(new HardState(5, null));
    } finally {
      third.close();
    }
  }

  @Test
  void reopenedStoreKeepsTermVoteAndEntries() {
    List<LogEntry> all = entries(1, 500, 2, -200, 2);
    MappedLogStore store = MappedLogStore.open(dir, SMALL);
    store.saveHardState(new HardState(7, "n3"));
    store.append(all);
    store.flush().block(WAIT);
    store.close();

    MappedLogStore reopened = MappedLogStore.open(dir, SMALL);
    try {
      assertThat(reopened.hardState()).isEqualTo(new HardState(7, "n3"));
      assertThat(reopened.entries(1, reopened.lastIndex())).containsExactlyElementsOf(all);
      reopened.saveHardState(new HardState(8, null));
      reopened.append(List.of(entry(501, 8, "after")));
    } finally {
      reopened.close(); // an orderly close makes the last append durable without a flush
    }
    MappedLogStore third = MappedLogStore.open(dir, SMALL);
    try {
      assertThat(third.hardState()).isEqualTo(new HardState(8, null));
      assertThat(third.lastIndex()).isEqualTo(501);
      assertThat(third.entries(501, 501)).containsExactly(entry(501, 8, "after"));
    } finally {
      third.close();
    }
  }

  @Test
  void truncationForgetsTheSuffixAtOnceAndForGood() {
    List<LogEntry> all = entries(1, 1000, 1, -300, 3);
    MappedLogStore store = MappedLogStore.open(dir, SMALL);
    store.append(all);
    store.flush().block(WAIT);
    store.truncateSuffix(301); // drops whole segments and part of one
    assertThat(store.lastIndex()).isEqualTo(300);
    List<LogEntry> replacement = entries(301, 400, 2, -300, 4);
    store.append(replacement);
    store.truncateSuffix(10_000); // beyond the end: nothing to do
    assertThat(store.entries(299, 302))
        .containsExactly(all.get(298), all.get(299), replacement.get(0), replacement.get(1));
    store.flush().block(WAIT);
    store.close();

    MappedLogStore reopened = MappedLogStore.open(dir, SMALL);
    try {
      List<LogEntry> expected = new ArrayList<>(all.subList(0, 300));
      expected.addAll(replacement);
      assertThat(reopened.entries(1, reopened.lastIndex())).containsExactlyElementsOf(expected);
      reopened.truncateSuffix(1);
      assertThat(reopened.lastIndex()).isZero();
      assertThat(reopened.firstIndex()).isEqualTo(1);
      reopened.append(List.of(entry(1, 5, "fresh")));
      reopened.flush().block(WAIT);
    } finally {
      reopened.close();
    }
    MappedLogStore third = MappedLogStore.open(dir, SMALL);
    try {
      assertThat(third.entries(1, third.lastIndex())).containsExactly(entry(1, 5, "fresh"));
    } finally {
      third.close();
    }
  }

  @Test
  void appendsThatDoNotContinueTheLogAreRefused() {
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      store.get().append(List.of(entry(1, 2, "a")));
      assertThatThrownBy(() -> store.get().append(List.of(entry(3, 2, "gap"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not continue the log at 1");
      assertThatThrownBy(() -> store.get().append(List.of(entry(2, 1, "older"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("below the previous term 2");
      assertThat(store.get().lastIndex()).isEqualTo(1);
    }
  }

  @Test
  void aCloseFromAFlushCallbackLeavesWhatWasQueuedDurableAndTheWatermarkRecorded()
      throws Exception {
    List<LogEntry> first = entries(1, 5, 1, 100, 11);
    List<LogEntry> queued = entries(6, 10, 1, 100, 12);
    // Forces wait for the test, so the flush below completes on the IO thread, after the test
    // subscribed to it: its callback then runs where a service's callback would.
    CountDownLatch forcesMayGo = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean gateShut =
        new java.util.concurrent.atomic.AtomicBoolean();
    MappedLogOptions gated =
        MappedLogOptions.builder()
            .segmentSize(SMALL.segmentSize())
            .cacheSize(SMALL.cacheSize())
            .forceHook(
                file -> {
                  if (gateShut.get()) {
                    awaitQuietly(forcesMayGo);
                  }
                })
            .build();
    MappedLogStore store = MappedLogStore.open(dir, gated);
    gateShut.set(true); // opening forces too
    List<Mono<Void>> queuedFlush = new ArrayList<>();
    CountDownLatch closed = new CountDownLatch(1);
    List<Thread> callbackThread = new ArrayList<>();
    store.append(first);
    store
        .flush()
        .subscribe(
            null,
            null,
            () -> {
              // On the IO thread: these go into its queue behind this callback, then the close.
              callbackThread.add(Thread.currentThread());
              store.append(queued);
              queuedFlush.add(store.flush());
              store.close();
              closed.countDown();
            });
    forcesMayGo.countDown();
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(callbackThread.get(0).getName()).startsWith("raft-log-");
    assertThat(queuedFlush.get(0).then(Mono.just(true)).block(WAIT)).as("flushed").isTrue();

    long deadline = System.nanoTime() + WAIT.toNanos();
    MappedStorageDirectory storage = null;
    while (storage == null) { // the IO thread releases the directory once it is done
      try {
        storage = MappedStorageDirectory.open(dir, MappedLogOptions.ForceHook.NONE);
      } catch (RuntimeException locked) {
        assertThat(System.nanoTime()).as("the directory is released").isLessThan(deadline);
        LockSupport.parkNanos(1_000_000); // polls without taking a core from the nodes
      }
    }
    MetadataFile metadata = MetadataFile.open(storage, new FailureLatch("test"));
    long durable = metadata.current().durableIndex();
    metadata.close();
    storage.close();
    assertThat(durable).as("the watermark covers every append before the close").isEqualTo(10);
    try (var reopened = new Closing(MappedLogStore.open(dir, SMALL))) {
      assertThat(reopened.get().entries(1, 10))
          .containsExactlyElementsOf(Stream.concat(first.stream(), queued.stream()).toList());
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void segmentSizesOutsideTheirRangeAreRefusedWithTheRange() {
    assertThatThrownBy(() -> MappedLogOptions.builder().segmentSize(4095).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 4096");
    // Near 2 GiB, offsets stepped in chunks within a segment would wrap past Integer.MAX_VALUE.
    assertThatThrownBy(() -> MappedLogOptions.builder().segmentSize(Integer.MAX_VALUE).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most " + (1 << 30));
    assertThat(MappedLogOptions.builder().segmentSize(1 << 30).build().segmentSize())
        .isEqualTo(1 << 30);
  }

  @Test
  void anEntryLargerThanASegmentIsRefusedWithTheLimit() {
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      byte[] big = new byte[SMALL.maxPayloadSize() + 1];
      assertThatThrownBy(
              () -> store.get().append(List.of(new LogEntry(1, 1, EntryType.COMMAND, big))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("more than fit in a segment of 65536 bytes")
          .hasMessageContaining("segmentSize");
      byte[] fits = new byte[SMALL.maxPayloadSize()];
      store.get().append(List.of(new LogEntry(1, 1, EntryType.COMMAND, fits)));
      store.get().flush().block(WAIT);
      assertThat(store.get().entries(1, 1).get(0).payload()).hasSize(fits.length);
    }
  }

  @Test
  void readsOutsideTheLogAreOutOfBounds() {
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      store.get().append(entries(1, 5, 1, 10, 5));
      assertThatThrownBy(() -> store.get().entries(0, 3))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> store.get().entries(2, 6))
          .isInstanceOf(IndexOutOfBoundsException.class)
          .hasMessageContaining("outside [1, 5]");
      assertThatThrownBy(() -> store.get().entries(4, 2))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThat(store.get().entries(6, 5)).isEmpty();
    }
  }

  @Test
  void everyTypeAndAnEmptyPayloadSurviveTheRoundTrip() {
    List<LogEntry> mixed = new ArrayList<>();
    mixed.add(LogEntry.noop(1, 1));
    for (EntryType type : EntryType.values()) { // a new type without a record code fails here
      mixed.add(new LogEntry(mixed.size() + 1, 2, type, type.name().getBytes()));
    }
    MappedLogStore store = MappedLogStore.open(dir, SMALL);
    store.append(mixed);
    store.close();
    MappedLogStore reopened = MappedLogStore.open(dir, SMALL);
    try {
      assertThat(reopened.entries(1, mixed.size())).containsExactlyElementsOf(mixed);
    } finally {
      reopened.close();
    }
  }

  @Test
  void oneForceServesManyConcurrentFlushes() throws InterruptedException {
    MappedLogStore store = MappedLogStore.open(dir, SMALL);
    int threads = 8;
    int perThread = 50;
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < perThread; i++) {
                    Mono<Void> flushed;
                    synchronized (store) {
                      long index = store.lastIndex() + 1;
                      store.append(List.of(entry(index, 1, "e" + index)));
                      flushed = store.flush();
                    }
                    flushed.block(WAIT);
                  }
                } catch (RuntimeException e) {
                  errors.add(e);
                } finally {
                  done.countDown();
                }
              });
      thread.start();
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(errors).isEmpty();
    assertThat(store.lastIndex()).isEqualTo(threads * perThread);
    store.close();
    MappedLogStore reopened = MappedLogStore.open(dir, SMALL);
    try {
      assertThat(reopened.lastIndex()).isEqualTo(threads * perThread);
      assertThat(reopened.entries(400, 400)).containsExactly(entry(400, 1, "e400"));
    } finally {
      reopened.close();
    }
  }

  @Test
  void aClosedStoreRefusesEverythingButAnotherClose() {
    MappedLogStore store = MappedLogStore.open(dir, SMALL);
    store.append(List.of(entry(1, 1, "a")));
    store.close();
    store.close();
    assertThatThrownBy(() -> store.append(List.of(entry(2, 1, "b"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store.saveHardState(new HardState(1, null)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.entries(1, 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.flush().block(WAIT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void aDirectoryOpenInAnotherStoreIsRefused() {
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      assertThatThrownBy(() -> MappedLogStore.open(dir, SMALL))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining(dir.toString())
          .hasMessageContaining("already open");
    }
    MappedLogStore.open(dir, SMALL).close(); // the lock went with the first store
  }

  /**
   * POSIX drops all of a process's locks on a file when any descriptor of it closes: a second open
   * in this JVM must be refused without touching the lock file, or it unlocks the first store's
   * directory for every other process.
   */
  @Test
  void aRefusedSecondOpenInThisJvmLeavesTheDirectoryLockedForOtherProcesses() throws Exception {
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      assertThatThrownBy(() -> MappedLogStore.open(dir, SMALL))
          .hasMessageContaining("already open");
      assertThatThrownBy(() -> MappedLogStore.open(dir.resolve(".").resolve("."), SMALL))
          .as("the same directory by another path")
          .hasMessageContaining("already open");

      assertThat(lockFromAnotherProcess(dir.resolve(MappedStorageDirectory.LOCK_FILE)))
          .as("another process finds the directory locked")
          .isEqualTo(3);
    }
    assertThat(lockFromAnotherProcess(dir.resolve(MappedStorageDirectory.LOCK_FILE)))
        .as("and free once the store is closed")
        .isZero();
  }

  private static int lockFromAnotherProcess(Path lockFile) throws Exception {
    Process probe =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockProbe.class.getName(),
                lockFile.toString())
            .inheritIO()
            .start();
    assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe finished").isTrue();
    return probe.exitValue();
  }

  @Test
  void aDirectoryThatCannotBeCreatedOrWrittenIsAClearErrorNamingIt() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
    assertThatThrownBy(() -> MappedLogStore.open(file.resolve("log"), SMALL))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(file.resolve("log").toString());
    assertThatThrownBy(() -> MappedLogStore.open(file, SMALL))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void theNextSegmentIsAllocatedAheadOnceTheCurrentOneIsHalfFullAndThenBecomesIt()
      throws IOException {
    Path spare = dir.resolve(SpareSegment.NAME);
    // About 1 KiB per record: a 64 KiB segment holds about 63.
    List<LogEntry> all = entries(1, 70, 1, 1000, 7);
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      store.get().append(all.subList(0, 20));
      store.get().flush().block(WAIT);
      assertThat(spare).as("a third of the first segment is not yet half").doesNotExist();
      store.get().append(all.subList(20, 40));
      store.get().flush().block(WAIT);
      awaitFile(spare);
      assertThat(segmentFiles()).containsExactly(Segment.fileName(1));

      store.get().append(all.subList(40, 70)); // crosses into a second segment
      store.get().flush().block(WAIT);
      List<String> segments = segmentFiles();
      assertThat(segments).hasSize(2);
      assertThat(spare).as("installed as the second segment").doesNotExist();
      assertThat(Files.size(dir.resolve(segments.get(1)))).isEqualTo(SMALL.segmentSize());
      assertThat(store.get().entries(1, 70)).containsExactlyElementsOf(all);
    }
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      assertThat(store.get().entries(1, 70)).containsExactlyElementsOf(all);
    }
  }

  @Test
  void aSpareSegmentLeftByACrashIsDeletedAtOpenAndNeverReadAsLog() throws IOException {
    List<LogEntry> all = entries(1, 10, 1, 100, 3);
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      store.get().append(all);
      store.get().flush().block(WAIT);
    }
    Files.write(dir.resolve(SpareSegment.NAME), new byte[SMALL.segmentSize()]);
    try (var store = new Closing(MappedLogStore.open(dir, SMALL))) {
      assertThat(dir.resolve(SpareSegment.NAME)).doesNotExist();
      assertThat(store.get().entries(1, 10)).containsExactlyElementsOf(all);
    }
  }

  private List<String> segmentFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(Segment.SUFFIX))
          .sorted()
          .toList();
    }
  }

  /** Polls until {@code file} exists: the spare is allocated on a thread of its own. */
  private static void awaitFile(Path file) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!Files.exists(file)) {
      assertThat(System.nanoTime()).as(file + " within " + WAIT).isLessThan(deadline);
      LockSupport.parkNanos(1_000_000); // polls without taking a core from the nodes
    }
  }

  @Test
  void theIoThreadIsANamedDaemonThatStopsOnClose() {
    MappedLogStore store = MappedLogStore.open(dir.resolve("threads"), SMALL);
    Thread writer =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("raft-log-threads"))
            .findFirst()
            .orElseThrow();
    assertThat(writer.isDaemon()).isTrue();
    store.close();
    assertThat(writer.isAlive()).isFalse();
  }

  @Test
  void optionsAreValidated() {
    assertThatThrownBy(() -> MappedLogOptions.builder().segmentSize(1000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("segmentSize");
    assertThatThrownBy(() -> MappedLogOptions.builder().cacheSize(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cacheSize");
    assertThat(MappedLogOptions.defaults().segmentSize()).isEqualTo(64 << 20);
    assertThat(MappedLogOptions.defaults().cacheSize()).isEqualTo(1024);
  }

  /** Closes a store at the end of a try block. */
  record Closing(MappedLogStore get) implements AutoCloseable {
    @Override
    public void close() {
      get.close();
    }
  }
}
