package io.reactiveraft.log;

import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LostEntries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata file {@value #NAME}: two 4 KiB slots, each a complete {@link LogMetadata} with a
 * sequence number and a CRC32C. Recovery takes the valid slot with the highest sequence, so a write
 * torn by a crash costs only that write:
 *
 * <pre>
 *   0  int   CRC32C of bytes 4 .. 8 + body length
 *   4  int   body length
 *   8  int   magic "RRMD"
 *  12  int   format version (1, 2, 3 or 4)
 *  16  long  sequence
 *  24  long  term
 *  32  long  durable index (watermark)
 *  40  long  log start index
 *  version 1:
 *  48  int   vote length in bytes, -1 for no vote
 *  52  ...   vote, UTF-8
 *  version 3, once a truncation at damage cut below the watermark:
 *  48  long  lost index: the highest index lost to a cut (the watermark cut below, or the
 *              bound on entries written past it)
 *  56  long  lost term: the term when it was cut
 *  64  int   vote length in bytes, -1 for no vote
 *  68  ...   vote, UTF-8
 *  version 4, once a commit index is recorded:
 *  48  long  commit index, at most the watermark
 *  56  long  lost index, 0 when nothing was lost
 *  64  long  lost term
 *  72  int   vote length in bytes, -1 for no vote
 *  76  ...   vote, UTF-8
 * </pre>
 *
 * <p>A slot is written in version 1 while nothing was lost and no commit index recorded, so a new
 * directory stays readable by builds that know only version 1; once it holds either, in version 4,
 * which older builds refuse with a message naming the version. The first slot written in version 4
 * is written twice, into both slots, so that an older build never takes the other slot, in an older
 * version, for the newest one left. Version 3 (lost entries, no commit index) is read, no longer
 * written. Version 2, written by a few development builds, had the lost index at 48 and no lost
 * term (the vote length at 56): it is read with the slot's own term as the lost term, never lower
 * than the term of the cut.
 *
 * <p>A watermark update writes the older slot only (one force), and so do the commit index and a
 * new log start, which always travel with the watermark. A term or vote change writes both slots,
 * one after the other, each forced: afterwards both hold it, so losing either slot to a bit flip
 * can never bring back an older term or vote, which could let the node vote twice in a term.
 *
 * <p>Threading: every method is synchronized (the event loop saves term and vote, the IO thread the
 * watermark). Durability: each save returns once forced. A failed write poisons the file: every
 * later save fails too.
 */
final class MetadataFile {

  static final String NAME = "meta";
  static final int SLOT_SIZE = 4096;
  static final int FILE_SIZE = 2 * SLOT_SIZE;

  private static final Logger log = LoggerFactory.getLogger(MetadataFile.class);
  private static final int MAGIC = 0x444d5252; // "RRMD" read little-endian
  private static final int VERSION_1_FIXED_BODY = 44;
  private static final int VERSION_2_FIXED_BODY = 52;
  private static final int VERSION_3_FIXED_BODY = 60;
  private static final int VERSION_4_FIXED_BODY = 68;

  /** The same limit in every version, so that a save never fails for the version it picks. */
  private static final int MAX_VOTE_BYTES = SLOT_SIZE - 8 - VERSION_4_FIXED_BODY;

  private final StorageFile file;
  private final String location;
  private final CRC32C crc = new CRC32C();

  /** The slot being written; guarded by this object's monitor, like every write. */
  private final ByteBuffer slotBuffer = ByteBuffer.allocate(SLOT_SIZE);

  private final FailureLatch failure;
  private LogMetadata current;
  private int currentSlot;
  private boolean closed;

  /** Whether a slot may hold a version before 4 (or nothing valid). */
  private boolean olderVersionLeft;

  private MetadataFile(
      StorageFile file,
      String location,
      LogMetadata current,
      int slot,
      boolean olderVersionLeft,
      FailureLatch failure) {
    this.file = file;
    this.location = location;
    this.current = current;
    this.currentSlot = slot;
    this.olderVersionLeft = olderVersionLeft;
    this.failure = failure;
  }

  /**
   * Creates the file for a new log: written in full under a temporary name, forced, renamed and the
   * directory synced, so a file named {@value #NAME} is always complete.
   */
  static MetadataFile create(StorageDirectory dir, FailureLatch failure) throws IOException {
    LogMetadata first = LogMetadata.INITIAL.withSequence(1);
    LogMetadata second = LogMetadata.INITIAL.withSequence(2);
    ByteBuffer slots = ByteBuffer.allocate(FILE_SIZE);
    slots.put(encode(first, new CRC32C())).put(encode(second, new CRC32C())).flip();
    StorageFile file = dir.createDurably(NAME, FILE_SIZE, slots);
    return new MetadataFile(file, dir.describe(NAME), second, 1, true, failure);
  }

  /**
   * Opens the file and picks its newest valid slot.
   *
   * @throws LogCorruptedException when neither slot is valid: term and vote are lost, and guessing
   *     them could make the node vote twice
   */
  static MetadataFile open(StorageDirectory dir, FailureLatch failure) throws IOException {
    StorageFile file = dir.open(NAME);
    String location = dir.describe(NAME);
    try {
      if (file.size() < FILE_SIZE) {
        throw new LogCorruptedException(
            location,
            file.size(),
            "metadata file is " + file.size() + " bytes, expected " + FILE_SIZE);
      }
      CRC32C crc = new CRC32C();
      LogMetadata[] slots = new LogMetadata[2];
      String[] problems = new String[2];
      boolean olderVersionLeft = false;
      for (int slot = 0; slot < 2; slot++) {
        byte[] bytes = new byte[SLOT_SIZE];
        file.read(slot * SLOT_SIZE, bytes, 0, SLOT_SIZE);
        try {
          slots[slot] = decode(bytes, crc);
          olderVersionLeft |= ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(12) < 4;
        } catch (IllegalArgumentException e) {
          problems[slot] = e.getMessage();
          olderVersionLeft = true;
        }
      }
      int best;
      if (slots[0] == null && slots[1] == null) {
        throw new LogCorruptedException(
            location,
            0,
            "neither metadata slot is valid (slot 0: "
                + problems[0]
                + "; slot 1: "
                + problems[1]
                + "); the node's term and vote are lost");
      } else if (slots[0] == null || slots[1] == null) {
        best = slots[0] == null ? 1 : 0;
        // A crash while writing a slot leaves it torn; the other one holds the last saved state
        // (term and vote are in both, see saveHardState), so this is not a warning.
        log.info(
            "{}: metadata slot {} is damaged ({}); using slot {} (sequence {})",
            location,
            1 - best,
            problems[1 - best],
            best,
            slots[best].sequence());
      } else {
        best = slots[0].sequence() > slots[1].sequence() ? 0 : 1;
      }
      return new MetadataFile(file, location, slots[best], best, olderVersionLeft, failure);
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
  }

  /**
   * Forces the whole file: at open, the slot just read may sit in the page cache of a process that
   * died before forcing it.
   */
  synchronized void force() {
    file.force(0, FILE_SIZE);
  }

  /** The newest saved metadata. */
  synchronized LogMetadata current() {
    return current;
  }

  /** Where the file is, for messages. */
  String location() {
    return location;
  }

  /**
   * Saves term and vote into both slots; durable on return.
   *
   * @throws UncheckedIOException when a write or force fails (the store is then failed)
   * @throws IllegalArgumentException when the vote is longer than {@value #MAX_VOTE_BYTES} bytes
   */
  synchronized void saveHardState(HardState state) {
    if (state.votedFor() != null
        && state.votedFor().getBytes(StandardCharsets.UTF_8).length > MAX_VOTE_BYTES) {
      throw new IllegalArgumentException(
          "votedFor is longer than " + MAX_VOTE_BYTES + " bytes: " + state.votedFor());
    }
    LogMetadata next = current.withHardState(state);
    writeSlot(next);
    writeSlot(next);
  }

  /**
   * Saves the durable watermark into the older slot, keeping the commit index recorded as far as
   * the watermark allows; durable on return.
   */
  synchronized void saveDurableIndex(long durableIndex) {
    writeSlot(current.withDurableIndex(durableIndex));
  }

  /**
   * Saves the durable watermark and a commit index, capped at it, into the older slot; durable on
   * return.
   */
  synchronized void saveWatermark(long durableIndex, long commitIndex) {
    writeSlot(current.withWatermark(durableIndex, commitIndex));
  }

  /**
   * Saves the watermark after a truncation at damage cut below it, and remembers the highest index
   * ever lost to such a cut (the entries the node must hold again before it votes); durable on
   * return.
   *
   * @param lostIndex at least the watermark that was cut below, and a bound on the entries written
   *     past it, which the node may have acknowledged, as far as the surviving files show
   */
  synchronized void saveTruncatedBelowWatermark(long durableIndex, long lostIndex) {
    LostEntries lost = new LostEntries(Math.max(current.lost().index(), lostIndex), current.term());
    writeSlot(current.withDurableIndex(durableIndex).withLost(lost));
  }

  /**
   * Saves a new log start together with the durable watermark and a commit index, capped at it, in
   * one slot write (one force), so that no crash can leave the start of one state next to the
   * watermark of another; durable on return. Only the IO thread moves the start, after it has
   * forced what the watermark covers.
   */
  synchronized void saveLogStart(long logStartIndex, long durableIndex, long commitIndex) {
    writeSlot(current.withLogStartIndex(logStartIndex).withWatermark(durableIndex, commitIndex));
  }

  private void writeSlot(LogMetadata next) {
    failure.check();
    if (closed) {
      throw new IllegalStateException("metadata file " + location + " is closed");
    }
    int slot = 1 - currentSlot;
    LogMetadata sequenced = next.withSequence(current.sequence() + 1);
    try {
      file.write(slot * SLOT_SIZE, encode(sequenced, crc, slotBuffer));
      file.force(slot * SLOT_SIZE, SLOT_SIZE);
    } catch (UncheckedIOException e) {
      IOException io = e.getCause();
      UncheckedIOException error =
          new UncheckedIOException(
              "writing metadata file " + location + " failed: " + io.getMessage(), io);
      failure.fail(error);
      throw error;
    } catch (RuntimeException e) {
      failure.fail(e);
      throw e;
    }
    current = sequenced;
    currentSlot = slot;
    if (version(sequenced) == 4 && olderVersionLeft) {
      olderVersionLeft = false;
      writeSlot(next);
    }
  }

  /** The version a slot holding {@code m} is written in. */
  private static int version(LogMetadata m) {
    return m.lost().index() > 0 || m.commitIndex() > 0 ? 4 : 1;
  }

  synchronized void close() {
    if (!closed) {
      closed = true;
      file.close();
    }
  }

  static ByteBuffer encode(LogMetadata m, CRC32C crc) {
    return encode(m, crc, ByteBuffer.allocate(SLOT_SIZE));
  }

  /**
   * Encodes {@code m} into {@code b} (a slot's worth, reused: the watermark is saved a hundred
   * times a second under load), zeroing what follows the record.
   */
  private static ByteBuffer encode(LogMetadata m, CRC32C crc, ByteBuffer b) {
    byte[] vote = m.votedFor() == null ? null : m.votedFor().getBytes(StandardCharsets.UTF_8);
    boolean version4 = version(m) == 4;
    int body =
        (version4 ? VERSION_4_FIXED_BODY : VERSION_1_FIXED_BODY) + (vote == null ? 0 : vote.length);
    b.clear().order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0).putInt(body).putInt(MAGIC).putInt(version4 ? 4 : 1);
    b.putLong(m.sequence()).putLong(m.term()).putLong(m.durableIndex()).putLong(m.logStartIndex());
    if (version4) {
      b.putLong(m.commitIndex()).putLong(m.lost().index()).putLong(m.lost().term());
    }
    b.putInt(vote == null ? -1 : vote.length);
    if (vote != null) {
      b.put(vote);
    }
    Arrays.fill(b.array(), b.position(), SLOT_SIZE, (byte) 0);
    crc.reset();
    crc.update(b.array(), 4, 4 + body);
    b.putInt(0, (int) crc.getValue());
    b.clear();
    return b;
  }

  /**
   * @throws IllegalArgumentException saying why the slot is not valid
   */
  static LogMetadata decode(byte[] bytes, CRC32C crc) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int body = b.getInt(4);
    if (body < VERSION_1_FIXED_BODY || body > SLOT_SIZE - 8) {
      throw new IllegalArgumentException(body == 0 ? "empty" : "bad length " + body);
    }
    crc.reset();
    crc.update(bytes, 4, 4 + body);
    if (b.getInt(0) != (int) crc.getValue()) {
      throw new IllegalArgumentException("checksum mismatch");
    }
    int version = b.getInt(12);
    if (b.getInt(8) != MAGIC) {
      throw new IllegalArgumentException("unknown format");
    }
    if (version < 1 || version > 4) {
      throw new IllegalArgumentException("format " + version + ", written by a newer build");
    }
    int fixed =
        switch (version) {
          case 1 -> VERSION_1_FIXED_BODY;
          case 2 -> VERSION_2_FIXED_BODY;
          case 3 -> VERSION_3_FIXED_BODY;
          default -> VERSION_4_FIXED_BODY;
        };
    LostEntries lost = LostEntries.NONE;
    long commitIndex = 0;
    if (version > 1 && body >= fixed) {
      int at = version == 4 ? 56 : 48;
      long index = b.getLong(at);
      long term = version == 2 ? b.getLong(24) : b.getLong(at + 8);
      lost = index == 0 ? LostEntries.NONE : new LostEntries(index, term);
      commitIndex = version == 4 ? b.getLong(48) : 0;
    }
    int voteLength = b.getInt(8 + fixed - 4);
    boolean consistent =
        body >= fixed && (voteLength == -1 ? body == fixed : voteLength == body - fixed);
    if (!consistent) {
      throw new IllegalArgumentException("bad vote length " + voteLength);
    }
    String vote =
        voteLength < 0 ? null : new String(bytes, 8 + fixed, voteLength, StandardCharsets.UTF_8);
    // A commit index above the watermark is refused by LogMetadata, as a slot no build writes.
    return new LogMetadata(
        b.getLong(16), b.getLong(24), vote, b.getLong(32), b.getLong(40), commitIndex, lost);
  }
}
