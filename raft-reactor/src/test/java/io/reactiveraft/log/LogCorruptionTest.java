package io.reactiveraft.log;

import static io.reactiveraft.log.MappedLogStoreTest.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LostEntries;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage to the files on disk: bit flips and files cut short, at random places. Below the durable
 * watermark it is corruption (the store refuses to open and names the file and offset, unless told
 * to truncate); above it, it is a torn tail (truncated, with whatever follows).
 */
class LogCorruptionTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int SEEDS = 25;
  private static final MappedLogOptions OPTIONS =
      MappedLogOptions.builder().segmentSize(32 * 1024).cacheSize(0).build();
  private static final MappedLogOptions TRUNCATING =
      MappedLogOptions.builder()
          .segmentSize(32 * 1024)
          .cacheSize(0)
          .truncateCorruption(true)
          .build();

  @TempDir Path root;

  /** A record found in a segment file. */
  record Record(Path file, int offset, int end, long index) {}

  /** Writes entries 1..count (random sizes), made durable by close. */
  private static List<LogEntry> writeLog(Path dir, int count, long seed) {
    List<LogEntry> all = entries(1, count, 1, -600, seed);
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
    store.saveHardState(new HardState(3, "n2"));
    store.append(all);
    store.close();
    return all;
  }

  /** Every record of every segment, in log order. */
  private static List<Record> records(Path dir) throws IOException {
    List<Record> all = new ArrayList<>();
    for (Path segment : segments(dir)) {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
      int at = Segment.HEADER_SIZE;
      while (at + 4 <= b.capacity() && b.getInt(at) != 0) {
        int end = at + RecordCodec.PREFIX_SIZE + b.getInt(at);
        all.add(new Record(segment, at, end, b.getLong(at + 16)));
        at = end;
      }
    }
    return all;
  }

  private static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(Segment.SUFFIX)).sorted().toList();
    }
  }

  private static void flipBit(Path file, long offset, int bit) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, offset);
      one.put(0, (byte) (one.get(0) ^ (1 << bit)));
      one.rewind();
      ch.write(one, offset);
    }
  }

  /** Rewrites the watermark, as if the process had died before raising it to the end. */
  private static void setDurableIndex(Path dir, long index) throws IOException {
    MappedStorageDirectory storage =
        MappedStorageDirectory.open(dir, MappedLogOptions.ForceHook.NONE);
    MetadataFile metadata = MetadataFile.open(storage, new FailureLatch("test"));
    metadata.saveDurableIndex(index);
    metadata.close();
    storage.close();
  }

  private static List<LogEntry> readAll(Path dir, MappedLogOptions options) {
    MappedLogStore store = MappedLogStore.open(dir, options);
    try {
      return store.entries(store.firstIndex(), store.lastIndex());
    } finally {
      store.close();
    }
  }

  @Test
  void aBitFlipInAnAcknowledgedRecordIsCorruptionNamingFileAndOffset() throws IOException {
    for (long seed = 1; seed <= SEEDS; seed++) {
      Path dir = root.resolve("flip-" + seed);
      writeLog(dir, 400, seed);
      List<Record> records = records(dir);
      SplittableRandom random = new SplittableRandom(seed);
      Record hit = records.get(random.nextInt(records.size()));
      int offset = hit.offset() + random.nextInt(hit.end() - hit.offset());
      flipBit(hit.file(), offset, random.nextInt(8));

      assertThatThrownBy(() -> MappedLogStore.open(dir, OPTIONS))
          .as("seed %d, flip in record %d at byte %d", seed, hit.index(), offset)
          .isInstanceOfSatisfying(
              LogCorruptedException.class,
              e -> {
                assertThat(e.file()).isEqualTo(hit.file().toString());
                assertThat(e.offset()).isEqualTo(hit.offset());
                assertThat(e.getMessage())
                    .contains("entries up to index 400 were acknowledged as durable");
              });
      // Nothing was changed by the refusal: the same damage is found again.
      assertThatThrownBy(() -> MappedLogStore.open(dir, OPTIONS))
          .isInstanceOf(LogCorruptedException.class);
    }
  }

  @Test
  void aDamagedSegmentHeaderBelowTheWatermarkIsCorruptionAtOffsetZero() throws IOException {
    Path dir = root.resolve("header");
    writeLog(dir, 400, 7);
    Path second = segments(dir).get(1);
    flipBit(second, 9, 3); // inside the first index field
    assertThatThrownBy(() -> MappedLogStore.open(dir, OPTIONS))
        .isInstanceOfSatisfying(
            LogCorruptedException.class,
            e -> {
              assertThat(e.file()).isEqualTo(second.toString());
              assertThat(e.offset()).isZero();
            });
  }

  @Test
  void aMissingSegmentIsCorruptionNamingTheNextOne() throws IOException {
    Path dir = root.resolve("missing");
    writeLog(dir, 400, 8);
    List<Path> segments = segments(dir);
    Files.delete(segments.get(1));
    assertThatThrownBy(() -> MappedLogStore.open(dir, OPTIONS))
        .isInstanceOfSatisfying(
            LogCorruptedException.class,
            e -> {
              assertThat(e.file()).isEqualTo(segments.get(2).toString());
              assertThat(e.offset()).isZero();
              assertThat(e.getMessage()).contains("but the log before it ends at index");
            });
  }

  @Test
  void aSegmentCutShortBelowTheWatermarkIsCorruption() throws IOException {
    for (long seed = 1; seed <= SEEDS; seed++) {
      Path dir = root.resolve("cut-" + seed);
      writeLog(dir, 400, seed);
      List<Record> records = records(dir);
      Path last = segments(dir).get(segments(dir).size() - 1);
      List<Record> inLast = records.stream().filter(r -> r.file().equals(last)).toList();
      SplittableRandom random = new SplittableRandom(seed);
      int end = inLast.get(inLast.size() - 1).end();
      int cut = Segment.HEADER_SIZE + random.nextInt(end - Segment.HEADER_SIZE);
      // The damage starts at the record the cut goes through (or at the cut, between records).
      int damaged =
          inLast.stream().mapToInt(Record::offset).filter(o -> o <= cut).max().orElseThrow();
      try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
        ch.truncate(cut);
      }
      assertThatThrownBy(() -> MappedLogStore.open(dir, OPTIONS))
          .as("seed %d, cut at %d", seed, cut)
          .isInstanceOfSatisfying(
              LogCorruptedException.class,
              e -> {
                assertThat(e.file()).isEqualTo(last.toString());
                assertThat(e.offset()).isEqualTo(damaged);
              });
    }
  }

  @Test
  void damageAboveTheWatermarkIsATornTailAndIsTruncated() throws IOException {
    for (long seed = 1; seed <= SEEDS; seed++) {
      Path dir = root.resolve("torn-" + seed);
      List<LogEntry> all = writeLog(dir, 400, seed);
      SplittableRandom random = new SplittableRandom(seed);
      long watermark = 100 + random.nextInt(250);
      setDurableIndex(dir, watermark);
      List<Record> above = records(dir).stream().filter(r -> r.index() > watermark).toList();
      Record hit = above.get(random.nextInt(above.size()));
      int offset = hit.offset() + random.nextInt(hit.end() - hit.offset());
      flipBit(hit.file(), offset, random.nextInt(8));

      // Valid records after the damaged one are dropped too: after a crash they may follow a
      // hole. Above the watermark no entry is known acknowledged (those of the last flushes may
      // have been, and damage to them cannot be told from a torn write: see the README).
      List<LogEntry> expected = all.subList(0, (int) hit.index() - 1);
      assertThat(readAll(dir, OPTIONS)).as("seed %d", seed).containsExactlyElementsOf(expected);
      for (Path segment : segments(dir)) {
        assertThat(Segment.parseFirstIndex(segment.getFileName().toString()))
            .as("segments after the damage, and one left empty by it, are deleted")
            .isLessThan(hit.index());
      }
      if (Files.exists(hit.file())) {
        byte[] bytes = Files.readAllBytes(hit.file());
        for (int i = hit.offset(); i < bytes.length; i++) {
          assertThat(bytes[i]).as("byte %d after the new end is cleared", i).isZero();
        }
      }
      // The repaired log takes appends and reopens.
      MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
      store.append(entries(hit.index(), hit.index() + 9, 2, 50, seed));
      store.flush().block(WAIT);
      store.close();
      assertThat(readAll(dir, OPTIONS)).hasSize((int) hit.index() + 9);
    }
  }

  @Test
  void theTruncateOptionTruncatesCorruptionAndKeepsTermAndVote() throws IOException {
    Path dir = root.resolve("allowed");
    List<LogEntry> all = writeLog(dir, 400, 9);
    Record hit = records(dir).get(250);
    flipBit(hit.file(), hit.offset() + 30, 1);

    assertThatThrownBy(() -> MappedLogStore.open(dir, OPTIONS))
        .isInstanceOf(LogCorruptedException.class)
        .hasMessageContaining("truncateCorruption(true)");
    MappedLogStore store = MappedLogStore.open(dir, TRUNCATING);
    try {
      assertThat(store.hardState()).isEqualTo(new HardState(3, "n2"));
      assertThat(store.entries(1, store.lastIndex()))
          .containsExactlyElementsOf(all.subList(0, 250));
      assertThat(store.lostEntries())
          .as("what it had acknowledged, and the term then")
          .isEqualTo(new LostEntries(400, 3));
    } finally {
      store.close();
    }
    // The watermark moved down with the log: a plain open works again. The loss is remembered
    // across restarts and term or vote saves, until the node holds those entries again.
    assertThat(readAll(dir, OPTIONS)).hasSize(250);
    store = MappedLogStore.open(dir, OPTIONS);
    try {
      store.saveHardState(new HardState(4, null));
      assertThat(store.lostEntries()).isEqualTo(new LostEntries(400, 3));
    } finally {
      store.close();
    }
    store = MappedLogStore.open(dir, OPTIONS);
    try {
      assertThat(store.hardState()).isEqualTo(new HardState(4, null));
      assertThat(store.lostEntries()).isEqualTo(new LostEntries(400, 3));
    } finally {
      store.close();
    }
  }

  /**
   * The watermark is recorded after the flushes it covers are answered, so entries past it may have
   * been acknowledged: a cut below it reports them lost as well. Here the records after the damaged
   * one are intact and read on.
   */
  @Test
  void aCutBelowTheWatermarkReportsTheEntriesPastItAsLostToo() throws IOException {
    Path dir = root.resolve("past-watermark");
    writeLog(dir, 400, 11);
    setDurableIndex(dir, 300);
    Record hit = records(dir).get(250);
    flipBit(hit.file(), hit.offset() + 30, 1);

    MappedLogStore store = MappedLogStore.open(dir, TRUNCATING);
    try {
      assertThat(store.lastIndex()).isEqualTo(250);
      assertThat(store.lostEntries())
          .as("every entry written, not only those below the watermark")
          .isEqualTo(new LostEntries(400, 3));
    } finally {
      store.close();
    }
  }

  /**
   * Where the records past the damage cannot be read, every byte up to the last written one counts
   * as a record of the smallest size: the bound may exceed what was written, never fall short.
   */
  @Test
  void aCutWhoseTailCannotBeReadBoundsTheLostEntriesByItsBytes() throws IOException {
    Path dir = root.resolve("garbled-tail");
    writeLog(dir, 400, 12);
    setDurableIndex(dir, 398);
    List<Record> all = records(dir);
    Record first = all.get(394); // index 395
    Record lastRecord = all.get(399);
    assertThat(first.file()).isEqualTo(lastRecord.file());
    overwrite(first.file(), first.offset(), lastRecord.end() - first.offset());

    MappedLogStore store = MappedLogStore.open(dir, TRUNCATING);
    try {
      assertThat(store.lastIndex()).isEqualTo(394);
      int smallest = RecordCodec.PREFIX_SIZE + RecordCodec.MIN_BODY;
      int garbage = lastRecord.end() - first.offset();
      assertThat(store.lostEntries().index())
          .isBetween(400L, 394L + (garbage + smallest - 1) / smallest);
      assertThat(store.lostEntries().term()).isEqualTo(3);
    } finally {
      store.close();
    }
  }

  /**
   * Damage over several records is read past: the first record after it that proves itself shows
   * how many entries lay in between, and the count stays exact.
   */
  @Test
  void damageOverSeveralRecordsIsReadPastToTheNextValidRecord() throws IOException {
    Path dir = root.resolve("several-records");
    writeLog(dir, 400, 13);
    setDurableIndex(dir, 396);
    List<Record> all = records(dir);
    Record first = all.get(394); // index 395
    Record third = all.get(396);
    Path last = segments(dir).get(segments(dir).size() - 1);
    assertThat(first.file()).isEqualTo(last);
    overwrite(first.file(), first.offset() + 2, third.end() - first.offset() - 4);

    MappedLogStore store = MappedLogStore.open(dir, TRUNCATING);
    try {
      assertThat(store.lastIndex()).isEqualTo(394);
      assertThat(store.lostEntries()).isEqualTo(new LostEntries(400, 3));
    } finally {
      store.close();
    }
  }

  /**
   * Bytes that cannot be read in a segment with others after it count no further than the entry
   * before the next segment's first index: a segment is created only once the one before is full.
   */
  @Test
  void unreadableBytesCountNoFurtherThanTheNextSegment() throws IOException {
    Path dir = root.resolve("before-next-segment");
    writeLog(dir, 400, 15);
    setDurableIndex(dir, 300);
    List<Record> all = records(dir);
    Record hit = all.get(120); // index 121
    List<Record> rest =
        all.stream().filter(r -> r.file().equals(hit.file()) && r.index() >= 121).toList();
    assertThat(segments(dir).indexOf(hit.file())).isLessThan(segments(dir).size() - 1);
    overwrite(hit.file(), hit.offset(), rest.get(rest.size() - 1).end() - hit.offset());

    MappedLogStore store = MappedLogStore.open(dir, TRUNCATING);
    try {
      assertThat(store.lastIndex()).isEqualTo(120);
      assertThat(store.lostEntries()).isEqualTo(new LostEntries(400, 3));
    } finally {
      store.close();
    }
  }

  /**
   * The segment that holds the log start can end cleanly before the start, at a record whose length
   * reads as zero: the entries written after that record count as lost too.
   */
  @Test
  void aStartSegmentEndingBeforeTheStartReportsEverythingWrittenAsLost() throws IOException {
    Path dir = root.resolve("start-segment");
    writeLog(dir, 400, 14);
    List<Record> all = records(dir);
    // The segment that holds entry 300 becomes the last one (those after it gone, as a failing
    // disk may lose them), and the log start moves 20 entries into it.
    Path holder = all.get(299).file();
    List<Record> held = all.stream().filter(r -> r.file().equals(holder)).toList();
    long first = held.get(0).index();
    long lastHeld = held.get(held.size() - 1).index();
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
    store.discardPrefix(first + 19);
    store.flush().block(WAIT);
    store.close();
    for (Path segment : segments(dir)) {
      if (segment.compareTo(holder) > 0) {
        Files.delete(segment);
      }
    }
    setDurableIndex(dir, first + 30); // entries after it written, and perhaps acknowledged
    Record hit = held.get(5); // before the start
    try (FileChannel ch = FileChannel.open(hit.file(), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(4), hit.offset()); // its length reads as zero
    }

    store = MappedLogStore.open(dir, TRUNCATING);
    try {
      assertThat(store.lastIndex()).isEqualTo(first + 19);
      assertThat(store.lostEntries()).isEqualTo(new LostEntries(lastHeld, 3));
    } finally {
      store.close();
    }
  }

  /**
   * Damage to records that already left the log (below the start, in the segment that holds it)
   * costs nothing: they only lead to the start's record, which recovery finds past the damage.
   * Before, the scan stopped there, took the segment for one below the start and refused to open,
   * or with the truncate option cut every entry after the start.
   */
  @Test
  void damageBelowTheStartInTheSegmentThatHoldsItLosesNothing() throws IOException {
    Path dir = root.resolve("below-start");
    List<LogEntry> all = writeLog(dir, 400, 15);
    List<Record> records = records(dir);
    Path holder = records.get(299).file();
    List<Record> held = records.stream().filter(r -> r.file().equals(holder)).toList();
    long start = held.get(0).index() + 20;
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
    store.discardPrefix(start - 1);
    store.flush().block(WAIT);
    store.close();
    Record hit = held.get(5); // below the start
    overwrite(hit.file(), hit.offset() + RecordCodec.PREFIX_SIZE, 8);

    List<LogEntry> kept = all.subList((int) start - 1, all.size());
    store = MappedLogStore.open(dir, OPTIONS);
    try {
      assertThat(store.firstIndex()).isEqualTo(start);
      assertThat(store.lastIndex()).isEqualTo(400);
      assertThat(store.entries(start, 400)).containsExactlyElementsOf(kept);
      assertThat(store.lostEntries()).isEqualTo(LostEntries.NONE);
      store.append(entries(401, 410, 2, 50, 15));
      store.flush().block(WAIT);
    } finally {
      store.close();
    }
    assertThat(readAll(dir, OPTIONS)).hasSize(kept.size() + 10).startsWith(kept.get(0));
  }

  /**
   * The bytes searched past damage below the start are earlier commands' payloads, which may hold
   * what reads as the start's record (a command carrying log bytes). Such a find is followed by
   * damage at once and is passed over for the real record, which reads cleanly to the end.
   */
  @Test
  void aRecordOfTheStartFoundInsideAnEarlierPayloadIsPassedOver() throws IOException {
    Path dir = root.resolve("forged-start");
    long start = 30;
    ByteBuffer forged =
        ByteBuffer.allocate(
                RecordCodec.size(new LogEntry(start, 1, EntryType.COMMAND, new byte[8])))
            .order(ByteOrder.LITTLE_ENDIAN);
    RecordCodec.encode(
        new LogEntry(start, 1, EntryType.COMMAND, new byte[8]), forged, new java.util.zip.CRC32C());
    List<LogEntry> all = new ArrayList<>(entries(1, 60, 1, 100, 16));
    all.set(4, new LogEntry(5, 1, EntryType.COMMAND, forged.array())); // below the start
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
    store.saveHardState(new HardState(3, "n2"));
    store.append(all);
    store.discardPrefix(start - 1);
    store.flush().block(WAIT);
    store.close();
    Record hit = records(dir).get(2); // before the one that holds the forged record
    overwrite(hit.file(), hit.offset() + RecordCodec.PREFIX_SIZE, 8);

    assertThat(readAll(dir, OPTIONS)).containsExactlyElementsOf(all.subList((int) start - 1, 60));
  }

  /** Overwrites {@code length} bytes at {@code offset} with a pattern no record holds. */
  private static void overwrite(Path file, int offset, int length) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      byte[] garbage = new byte[length];
      java.util.Arrays.fill(garbage, (byte) 0x5A);
      ch.write(ByteBuffer.wrap(garbage), offset);
    }
  }

  @Test
  void aStoreThatLostNothingSaysSo() throws IOException {
    Path dir = root.resolve("intact");
    writeLog(dir, 50, 12);
    MappedLogStore store = MappedLogStore.open(dir, TRUNCATING);
    try {
      assertThat(store.lostEntries()).isEqualTo(LostEntries.NONE);
      store.saveHardState(new HardState(5, "n3"));
    } finally {
      store.close();
    }
    // Both slots stay in format 1, which builds from before format 2 can still read, while no
    // commit index is recorded either.
    byte[] meta = Files.readAllBytes(dir.resolve(MetadataFile.NAME));
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(meta).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt(12)).isEqualTo(1);
    assertThat(b.getInt(MetadataFile.SLOT_SIZE + 12)).isEqualTo(1);
  }

  /**
   * The first commit index recorded puts both slots in format 4 at once: with one slot left in an
   * older format, a build that does not know format 4 would take that one for the newest.
   */
  @Test
  void theFirstRecordedCommitIndexPutsBothSlotsInFormatFour() throws IOException {
    Path dir = root.resolve("format-4");
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
    try {
      store.append(entries(1, 1, 1, 10, 1));
      store.flush().block(Duration.ofSeconds(10));
      store.saveCommitIndex(1);
    } finally {
      store.close(); // records the commit index, if the writer has not yet
    }
    byte[] meta = Files.readAllBytes(dir.resolve(MetadataFile.NAME));
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(meta).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt(12)).isEqualTo(4);
    assertThat(b.getInt(MetadataFile.SLOT_SIZE + 12)).isEqualTo(4);
  }

  /**
   * A slot of format 2, written by development builds (the lost index but no lost term), reads with
   * the slot's own term as the lost term.
   */
  @Test
  void aVersionTwoMetadataSlotReadsWithItsTermAsTheLostTerm() {
    // sequence, term, watermark, log start, lost index, no vote
    LogMetadata read =
        decodeSlot(2, b -> b.putLong(7).putLong(4).putLong(250).putLong(1).putLong(400).putInt(-1));

    assertThat(read).isEqualTo(new LogMetadata(7, 4, null, 250, 1, 0, new LostEntries(400, 4)));
  }

  /** A metadata slot of format 1, from before the lost durable index was kept, still reads. */
  @Test
  void aVersionOneMetadataSlotReadsWithNothingLost() {
    byte[] vote = "n2".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // sequence, term, watermark, log start, vote
    LogMetadata read =
        decodeSlot(
            1, b -> b.putLong(7).putLong(3).putLong(90).putLong(11).putInt(vote.length).put(vote));

    assertThat(read).isEqualTo(new LogMetadata(7, 3, "n2", 90, 11, 0, LostEntries.NONE));
  }

  /** A slot of format 3 (lost entries, no commit index), written by earlier builds, still reads. */
  @Test
  void aVersionThreeMetadataSlotReadsWithNoCommitIndex() {
    byte[] vote = "n1".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // sequence, term, watermark, log start, lost index, lost term, vote
    LogMetadata read =
        decodeSlot(
            3,
            b ->
                b.putLong(9)
                    .putLong(6)
                    .putLong(120)
                    .putLong(1)
                    .putLong(130)
                    .putLong(5)
                    .putInt(vote.length)
                    .put(vote));

    assertThat(read).isEqualTo(new LogMetadata(9, 6, "n1", 120, 1, 0, new LostEntries(130, 5)));
  }

  /** Format 4 keeps the commit index and the lost entries, and reads back what it wrote. */
  @Test
  void aVersionFourMetadataSlotRoundTrips() {
    LogMetadata written = new LogMetadata(12, 8, "n3", 500, 41, 480, new LostEntries(510, 7));
    java.nio.ByteBuffer slot = MetadataFile.encode(written, new java.util.zip.CRC32C());
    byte[] bytes = new byte[MetadataFile.SLOT_SIZE];
    slot.get(bytes);

    assertThat(java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(12))
        .isEqualTo(4);
    assertThat(MetadataFile.decode(bytes, new java.util.zip.CRC32C())).isEqualTo(written);
  }

  /** A slot whose commit index lies above its watermark is no slot any build writes. */
  @Test
  void aMetadataSlotWithTheCommitIndexAboveTheWatermarkIsInvalid() {
    // sequence, term, watermark, log start, commit index, lost index, lost term, no vote
    assertThatThrownBy(
            () ->
                decodeSlot(
                    4,
                    b ->
                        b.putLong(3)
                            .putLong(2)
                            .putLong(40)
                            .putLong(1)
                            .putLong(41)
                            .putLong(0)
                            .putLong(0)
                            .putInt(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("commit index 41 above the durable index 40");
  }

  /** Decodes a checksummed slot of {@code version} whose body after the version is {@code body}. */
  private static LogMetadata decodeSlot(
      int version, java.util.function.Consumer<java.nio.ByteBuffer> body) {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(MetadataFile.SLOT_SIZE)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putInt(0).putInt(0).putInt(0x444d5252).putInt(version);
    body.accept(b);
    int length = b.position() - 8;
    b.putInt(4, length);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b.array(), 4, 4 + length);
    b.putInt(0, (int) crc.getValue());
    return MetadataFile.decode(b.array(), new java.util.zip.CRC32C());
  }

  @Test
  void garbageAfterTheLastRecordIsClearedWithoutLosingAnything() throws IOException {
    Path dir = root.resolve("garbage");
    List<LogEntry> all = writeLog(dir, 100, 10);
    List<Record> records = records(dir);
    Record last = records.get(records.size() - 1);
    flipBit(last.file(), last.end() + 1000, 5);
    assertThat(readAll(dir, OPTIONS)).containsExactlyElementsOf(all);
    byte[] bytes = Files.readAllBytes(last.file());
    assertThat(bytes[last.end() + 1000]).isZero();
  }

  @Test
  void aDamagedMetadataSlotFallsBackToTheOtherWithTheSameTermAndVote() throws IOException {
    for (int slot = 0; slot < 2; slot++) {
      Path dir = root.resolve("slot-" + slot);
      List<LogEntry> all = writeLog(dir, 50, 11);
      flipBit(dir.resolve(MetadataFile.NAME), slot * MetadataFile.SLOT_SIZE + 30, 2);
      MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
      try {
        assertThat(store.hardState()).isEqualTo(new HardState(3, "n2"));
        assertThat(store.entries(1, store.lastIndex())).containsExactlyElementsOf(all);
      } finally {
        store.close();
      }
    }
  }

  /**
   * A term or vote is written into both slots, so losing either one, even right after the save
   * (with no later write of the other slot), cannot bring back an older term or vote.
   */
  @Test
  void aSavedTermAndVoteSurviveTheLossOfEitherSlot() throws IOException {
    for (int slot = 0; slot < 2; slot++) {
      Path dir = root.resolve("vote-" + slot);
      writeLog(dir, 50, 15);
      MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
      store.saveHardState(new HardState(4, "n1"));
      store.close();
      flipBit(dir.resolve(MetadataFile.NAME), slot * MetadataFile.SLOT_SIZE + 30, 6);
      MappedLogStore reopened = MappedLogStore.open(dir, OPTIONS);
      try {
        assertThat(reopened.hardState())
            .as("slot %d damaged", slot)
            .isEqualTo(new HardState(4, "n1"));
      } finally {
        reopened.close();
      }
    }
  }

  @Test
  void bothMetadataSlotsDamagedRefusesToOpen() throws IOException {
    Path dir = root.resolve("meta");
    writeLog(dir, 50, 12);
    Path meta = dir.resolve(MetadataFile.NAME);
    flipBit(meta, 20, 0);
    flipBit(meta, MetadataFile.SLOT_SIZE + 20, 0);
    assertThatThrownBy(() -> MappedLogStore.open(dir, TRUNCATING))
        .isInstanceOfSatisfying(
            LogCorruptedException.class,
            e -> {
              assertThat(e.file()).isEqualTo(meta.toString());
              assertThat(e.getMessage()).contains("term and vote are lost");
            });
  }

  @Test
  void aMissingMetadataFileWithSegmentsRefusesToOpen() throws IOException {
    Path dir = root.resolve("no-meta");
    writeLog(dir, 50, 13);
    Files.delete(dir.resolve(MetadataFile.NAME));
    assertThatThrownBy(() -> MappedLogStore.open(dir, OPTIONS))
        .isInstanceOf(LogCorruptedException.class)
        .hasMessageContaining("metadata file is missing");
  }

  @Test
  void aRecordLengthDamagedToNearlyTwoGigabytesIsCorruptionWhenReadBack() throws IOException {
    Path dir = root.resolve("huge-length");
    writeLog(dir, 100, 14);
    Record hit = records(dir).get(42);
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
    try {
      // A length whose sum with the record's offset wraps past Integer.MAX_VALUE.
      try (FileChannel ch = FileChannel.open(hit.file(), StandardOpenOption.WRITE)) {
        ch.write(
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x7FFF_FFF0),
            hit.offset());
      }
      assertThatThrownBy(() -> store.entries(40, 45))
          .isInstanceOfSatisfying(
              LogCorruptedException.class, e -> assertThat(e.offset()).isEqualTo(hit.offset()));
    } finally {
      store.close();
    }
  }

  @Test
  void damageFoundWhenReadingBackIsReportedWithFileAndOffset() throws IOException {
    Path dir = root.resolve("read");
    writeLog(dir, 100, 14);
    Record hit = records(dir).get(42);
    MappedLogStore store = MappedLogStore.open(dir, OPTIONS);
    try {
      // Written through the file while the store maps it: the mapping sees the same page.
      flipBit(hit.file(), hit.offset() + 27, 4);
      assertThatThrownBy(() -> store.entries(40, 45))
          .isInstanceOfSatisfying(
              LogCorruptedException.class,
              e -> {
                assertThat(e.file()).isEqualTo(hit.file().toString());
                assertThat(e.offset()).isEqualTo(hit.offset());
              });
    } finally {
      store.close();
    }
  }
}
