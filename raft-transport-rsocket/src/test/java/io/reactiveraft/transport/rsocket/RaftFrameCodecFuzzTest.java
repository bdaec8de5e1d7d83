package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.reactiveraft.message.RaftMessage;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Hostile bytes: the decoder either returns a message that re-encodes to exactly the bytes it was
 * given, or throws {@link MalformedFrameException}; nothing else escapes, and no forged length
 * makes it allocate.
 */
class RaftFrameCodecFuzzTest {

  /**
   * Heap buffers outside leak detection: at PARANOID level every tracked buffer records stack
   * traces, which would make a hundred thousand round trips take minutes. The transport tests run
   * the codec on tracked, pooled buffers.
   */
  private static final ByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false, true);

  /** Decodes {@code bytes}; fails on any outcome but a faithful message or MalformedFrame. */
  private static boolean decodesOrRejectsCleanly(byte[] bytes) {
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    try {
      DecodedFrame decoded = RaftFrameCodec.decode(in);
      ByteBuf again = RaftFrameCodec.encode(ALLOC, decoded.group(), decoded.message());
      try {
        assertThat(ByteBufUtil.getBytes(again))
            .as("an accepted frame re-encodes to the same bytes")
            .isEqualTo(bytes);
      } finally {
        again.release();
      }
      return true;
    } catch (MalformedFrameException expected) {
      return false;
    } finally {
      in.release();
    }
  }

  private static byte[] encode(RaftMessage m) {
    ByteBuf frame = RaftFrameCodec.encode(ALLOC, "default", m);
    try {
      return ByteBufUtil.getBytes(frame);
    } finally {
      frame.release();
    }
  }

  private static void assertRejected(byte[] bytes, String reason) {
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    try {
      assertThatThrownBy(() -> RaftFrameCodec.decode(in))
          .isInstanceOf(MalformedFrameException.class)
          .hasMessageContaining(reason);
    } finally {
      in.release();
    }
  }

  @Test
  void randomBytesAreRejectedAndNothingElseEscapes() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      byte[] bytes = new byte[random.nextInt(120)];
      for (int b = 0; b < bytes.length; b++) {
        bytes[b] = (byte) random.nextInt(256);
      }
      // Make a third of them look like the start of a frame, to get past the first checks.
      boolean framed = bytes.length > 2 && i % 3 == 0;
      if (framed) {
        bytes[0] = (byte) RaftFrameCodec.VERSION;
        bytes[1] = (byte) (1 + random.nextInt(RaftFrameCodec.KIND_INSTALL_SNAPSHOT_RESPONSE));
      }
      decodesOrRejectsCleanly(bytes);
      if (framed) {
        assertThat(rejectionOf(bytes))
            .as("a frame-like input reaches the body's checks")
            .doesNotContain("version", "message kind");
      }
    }
  }

  /** Why the decoder refuses {@code bytes}, or "" when it takes them. */
  private static String rejectionOf(byte[] bytes) {
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    try {
      RaftFrameCodec.decode(in);
      return "";
    } catch (MalformedFrameException e) {
      return String.valueOf(e.getMessage());
    } finally {
      in.release();
    }
  }

  @Test
  void everyTruncationOfAValidFrameIsRejected() {
    for (RaftMessage m : Messages.samples()) {
      byte[] frame = encode(m);
      for (int length = 0; length < frame.length; length++) {
        byte[] prefix = Arrays.copyOf(frame, length);
        assertThat(decodesOrRejectsCleanly(prefix))
            .as("%d of %d bytes of %s", length, frame.length, m)
            .isFalse();
      }
    }
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] frame = encode(Messages.samples().get(0));
    assertRejected(Arrays.copyOf(frame, frame.length + 1), "after the message");
  }

  @Test
  void validFramesWithRandomlyCorruptedBytesAreRejectedOrDecodedFaithfully() {
    SplittableRandom random = new SplittableRandom(11);
    List<RaftMessage> samples = Messages.samples();
    int rejected = 0;
    for (int i = 0; i < 50_000; i++) {
      byte[] frame = encode(samples.get(random.nextInt(samples.size())));
      int flips = 1 + random.nextInt(3);
      for (int f = 0; f < flips; f++) {
        frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
      }
      if (!decodesOrRejectsCleanly(frame)) {
        rejected++;
      }
    }
    assertThat(rejected).as("most corruptions are caught").isGreaterThan(10_000);
  }

  @Test
  void unknownVersionAndKindAreRejected() {
    byte[] frame = encode(Messages.samples().get(0));
    byte[] version = frame.clone();
    version[0] = 1;
    assertRejected(version, "unknown frame version 1");
    version[0] = 3;
    assertRejected(version, "unknown frame version 3");
    byte[] kind = frame.clone();
    kind[1] = 12;
    assertRejected(kind, "unknown message kind 12");
    kind[1] = 0;
    assertRejected(kind, "unknown message kind 0");
    assertRejected(new byte[0], "empty frame");
  }

  @Test
  void hugeLengthPrefixesAreRejectedWithoutAllocating() {
    // The group's length claims 2^62 bytes.
    assertRejected(
        new byte[] {
          2,
          1,
          (byte) 0x80,
          (byte) 0x80,
          (byte) 0x80,
          (byte) 0x80,
          (byte) 0x80,
          (byte) 0x80,
          (byte) 0x80,
          (byte) 0x80,
          0x40
        },
        "group: length");
    // A heartbeat-sized AppendEntries that claims 2^31 entries, then one whose entry claims a
    // payload of 2^31 bytes.
    ByteBuf frame = Unpooled.buffer();
    frame.writeBytes(new byte[] {2, 3, 1, 'g', 1, 'a', 1, 'b', 1, 5, 5, 5, 0});
    frame.writeBytes(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08});
    assertRejected(ByteBufUtil.getBytes(frame), "entry count");
    frame.writerIndex(frame.writerIndex() - 5);
    frame.writeBytes(new byte[] {1, 0, 5, 1});
    frame.writeBytes(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08});
    assertRejected(ByteBufUtil.getBytes(frame), "entry payload");
    frame.release();
    // An 11-byte varint.
    byte[] longVarint = new byte[14];
    longVarint[0] = 2;
    longVarint[1] = 1;
    Arrays.fill(longVarint, 2, 13, (byte) 0xFF);
    assertRejected(longVarint, "varint");
  }

  @Test
  void corruptedFieldsAreRejected() {
    // VoteResponse: version, kind, "g", "a", "b", term 1, then flags.
    byte[] voteResponse = {2, 2, 1, 'g', 1, 'a', 1, 'b', 1, 4};
    assertRejected(voteResponse, "unknown flag bits");
    // AppendEntries with one entry: index delta 0 (so index 6), term 0: entries start at term 1.
    byte[] zeroTerm = {2, 3, 1, 'g', 1, 'a', 1, 'b', 1, 5, 5, 5, 0, 1, 0, 0, 1, 0};
    assertRejected(zeroTerm, "invalid field");
    // Same entry with term 1 and entry type 7.
    byte[] badType = {2, 3, 1, 'g', 1, 'a', 1, 'b', 1, 5, 5, 5, 0, 1, 0, 1, 7, 0};
    assertRejected(badType, "unknown entry type 7");
    // An index delta of -6 would put the entry at index 0: any delta but 0 breaks the batch.
    byte[] indexZero = {2, 3, 1, 'g', 1, 'a', 1, 'b', 1, 5, 5, 5, 0, 1, 11, 1, 1, 0};
    assertRejected(indexZero, "entry 0 leaves a gap or repeats an index");
    // A term with the 64th bit set would be negative.
    byte[] negativeTerm = {
      2,
      2,
      1,
      'g',
      1,
      'a',
      1,
      'b',
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      0x01,
      0
    };
    assertRejected(negativeTerm, "term: out of range");
    // A member id that is not UTF-8.
    byte[] badUtf8 = {2, 2, 1, 'g', 2, (byte) 0xC3, 0x28, 1, 'b', 1, 0};
    assertRejected(badUtf8, "invalid UTF-8");
    // A varint padded with a zero continuation: 1 written as 0x81 0x00.
    byte[] overlong = {2, 2, 1, 'g', 1, 'a', 1, 'b', (byte) 0x81, 0x00, 0};
    assertRejected(overlong, "shortest form");
  }

  /**
   * An InstallSnapshot frame from "a" to "b" in group "g", term 1, built field by field: snapshot
   * 5@2 of {@code size} bytes whose configuration is {@code configuration}, its checksum, then a
   * chunk at {@code offset} (already encoded as a varint) whose length prefix is {@code length}
   * followed by {@code data}.
   */
  private static byte[] chunkFrame(
      long size, byte[] configuration, byte[] offset, long length, byte[] data) {
    ByteBuf frame = Unpooled.buffer();
    try {
      frame.writeBytes(new byte[] {2, 10, 1, 'g', 1, 'a', 1, 'b', 1, 5, 2});
      Wire.writeVarLong(frame, size);
      frame.writeBytes(configuration);
      frame.writeInt(0xCAFE_F00D);
      frame.writeBytes(offset);
      Wire.writeVarLong(frame, length);
      frame.writeBytes(data);
      return ByteBufUtil.getBytes(frame);
    } finally {
      frame.release();
    }
  }

  private static byte[] varint(long value) {
    ByteBuf out = Unpooled.buffer();
    try {
      Wire.writeVarLong(out, value);
      return ByteBufUtil.getBytes(out);
    } finally {
      out.release();
    }
  }

  /** One voter "a" at "x:1", no learners. */
  private static final byte[] ONE_VOTER = {1, 1, 'a', 3, 'x', ':', '1', 0};

  @Test
  void aHandBuiltSnapshotChunkDecodes() {
    assertThat(decodesOrRejectsCleanly(chunkFrame(10, ONE_VOTER, varint(2), 3, new byte[3])))
        .isTrue();
    // The empty last chunk of an empty snapshot.
    assertThat(decodesOrRejectsCleanly(chunkFrame(0, ONE_VOTER, varint(0), 0, new byte[0])))
        .isTrue();
  }

  @Test
  void snapshotChunksWithMissingOrMisplacedDataAreRejected() {
    // Three bytes announced, two present.
    assertRejected(
        chunkFrame(10, ONE_VOTER, varint(2), 3, new byte[2]),
        "chunk data: length 3 but only 2 bytes left");
    // A length far beyond the frame: refused before anything is allocated.
    assertRejected(
        chunkFrame(10, ONE_VOTER, varint(2), Integer.MAX_VALUE, new byte[3]), "chunk data");
    assertRejected(chunkFrame(10, ONE_VOTER, varint(2), Long.MAX_VALUE, new byte[3]), "chunk data");
    // Cut off inside the checksum, and where the offset starts (after the 11-byte header, the
    // size, the configuration and the checksum).
    byte[] valid = chunkFrame(10, ONE_VOTER, varint(2), 3, new byte[3]);
    assertRejected(Arrays.copyOf(valid, 23), "truncated frame: snapshot checksum is missing");
    assertRejected(Arrays.copyOf(valid, 24), "truncated frame: chunk offset is missing");
    // An offset with the 64th bit set would be negative.
    assertRejected(
        chunkFrame(10, ONE_VOTER, varint(-1), 3, new byte[3]), "chunk offset: out of range");
    // Starts past the end, or runs past it.
    assertRejected(
        chunkFrame(10, ONE_VOTER, varint(11), 0, new byte[0]),
        "chunk at offset 11 of 0 bytes outside a snapshot of 10 bytes");
    assertRejected(
        chunkFrame(10, ONE_VOTER, varint(8), 3, new byte[3]),
        "chunk at offset 8 of 3 bytes outside a snapshot of 10 bytes");
    // An end that wraps around past Long.MAX_VALUE, which the record alone would let through.
    assertRejected(
        chunkFrame(10, ONE_VOTER, varint(Long.MAX_VALUE), 3, new byte[3]),
        "outside a snapshot of 10 bytes");
    // A snapshot size with the 64th bit set.
    assertRejected(
        chunkFrame(-1, ONE_VOTER, varint(0), 0, new byte[0]), "snapshot size: out of range");
  }

  @Test
  void snapshotChunksWithAnInvalidSnapshotOrConfigurationAreRejected() {
    byte[] valid = chunkFrame(10, ONE_VOTER, varint(2), 3, new byte[3]);
    byte[] indexZero = valid.clone();
    indexZero[9] = 0;
    assertRejected(indexZero, "invalid field: a snapshot covers index >= 1");
    byte[] termZero = valid.clone();
    termZero[10] = 0;
    assertRejected(termZero, "invalid field: a snapshot covers index >= 1");
    assertRejected(
        chunkFrame(10, new byte[] {0, 1, 1, 'a', 3, 'x', ':', '1'}, varint(2), 3, new byte[3]),
        "invalid field: a configuration needs at least one voter");
    assertRejected(
        chunkFrame(
            10,
            new byte[] {1, 1, 'a', 3, 'x', ':', '1', 1, 1, 'a', 3, 'y', ':', '2'},
            varint(2),
            3,
            new byte[3]),
        "invalid field: member a appears twice");
    assertRejected(
        chunkFrame(10, new byte[] {1, 1, ' ', 3, 'x', ':', '1', 0}, varint(2), 3, new byte[3]),
        "invalid field: member id must be non-blank");
    assertRejected(
        chunkFrame(10, new byte[] {1, 1, 'a', 1, ' ', 0}, varint(2), 3, new byte[3]),
        "invalid field: member a needs a non-blank address");
    // A voter count of 2^31: refused before a list of that size is made.
    assertRejected(
        chunkFrame(
            10,
            new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08},
            varint(2),
            3,
            new byte[3]),
        "voter count");
    // Cut off inside the voter's address, and where the learners start.
    assertRejected(Arrays.copyOf(valid, 18), "voter address: length 3 but only 2 bytes left");
    assertRejected(Arrays.copyOf(valid, 19), "truncated frame: learner count is missing");
  }

  @Test
  void snapshotResponsesWithBadFieldsAreRejected() {
    // InstallSnapshotResponse: header, snapshotIndex 5, nextOffset 3, flags.
    byte[] response = {2, 11, 1, 'g', 1, 'a', 1, 'b', 1, 5, 3, 1};
    assertThat(decodesOrRejectsCleanly(response)).isTrue();
    byte[] badFlags = response.clone();
    badFlags[11] = 2;
    assertRejected(badFlags, "unknown flag bits");
    assertRejected(Arrays.copyOf(response, 11), "flags");
    assertRejected(Arrays.copyOf(response, 10), "nextOffset");
  }

  @Test
  void theSmallestValidFramesDecode() {
    // VoteResponse from "a" to "b" in group "g", term 1, granted.
    assertThat(decodesOrRejectsCleanly(new byte[] {2, 2, 1, 'g', 1, 'a', 1, 'b', 1, 1})).isTrue();
  }
}
