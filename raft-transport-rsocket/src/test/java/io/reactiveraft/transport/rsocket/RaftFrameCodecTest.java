package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.spi.SnapshotMeta;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RaftFrameCodecTest {

  /**
   * Heap buffers outside leak detection: at PARANOID level every tracked buffer records stack
   * traces, which would make a hundred thousand round trips take minutes. The transport tests run
   * the codec on tracked, pooled buffers.
   */
  private static final ByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false, true);

  static DecodedFrame roundTrip(String group, RaftMessage m) {
    ByteBuf frame = RaftFrameCodec.encode(ALLOC, group, m);
    try {
      assertThat(frame.readableBytes()).isEqualTo(frame.capacity());
      return RaftFrameCodec.decode(frame);
    } finally {
      frame.release();
    }
  }

  @Test
  void everyKindRoundTripsUnchanged() {
    for (RaftMessage m : Messages.samples()) {
      DecodedFrame decoded = roundTrip("default", m);
      assertThat(decoded.message()).as("%s", m).isNotSameAs(m);
      assertThat(Messages.byValue(decoded.message())).as("%s", m).isEqualTo(Messages.byValue(m));
      assertThat(decoded.group()).isEqualTo("default");
    }
  }

  @Test
  void randomMessagesRoundTripUnchanged() {
    SplittableRandom random = new SplittableRandom(20261126);
    for (int i = 0; i < 20_000; i++) {
      RaftMessage m = Messages.random(random);
      assertThat(Messages.byValue(roundTrip("g" + (i % 3), m).message()))
          .as("%s", m)
          .isEqualTo(Messages.byValue(m));
    }
  }

  @Test
  void everyEntryTypeHasAWireCodeAndRoundTrips() {
    assertThat(RaftFrameCodec.everyEntryTypeHasACode())
        .as("a new EntryType needs a code appended in RaftFrameCodec")
        .isTrue();
    for (EntryType type : EntryType.values()) {
      LogEntry entry = new LogEntry(8, 2, type, new byte[] {(byte) type.ordinal()});
      RaftMessage m = new AppendEntriesRequest("a", "b", 2, 7, 2, List.of(entry), 7);
      assertThat(roundTrip("default", m).message()).isEqualTo(m);
    }
  }

  @Test
  void theGroupTravelsWithTheMessage() {
    RaftMessage m = new VoteRequest("a", "b", 1, 0, 0, false);
    assertThat(roundTrip("orders-7", m).group()).isEqualTo("orders-7");
  }

  @Test
  void aHeartbeatIsAFewDozenBytesAndEntriesCostTheirPayloadPlusFourBytes() {
    ByteBuf heartbeat =
        RaftFrameCodec.encode(
            ALLOC, "default", new AppendEntriesRequest("n1", "n2", 3, 500, 3, List.of(), 499));
    ByteBuf batch = RaftFrameCodec.encode(ALLOC, "default", Messages.append("n1", "n2", 64, 100));
    try {
      assertThat(heartbeat.readableBytes()).isLessThan(30);
      // Consecutive entries of one term: delta, term, type and length take one byte each.
      assertThat(batch.readableBytes()).isLessThan(64 * 104 + 40);
    } finally {
      heartbeat.release();
      batch.release();
    }
  }

  @Test
  void decodesFromTheSlicesAndCompositesRSocketHandsOver() {
    RaftMessage m = Messages.append("n1", "n2", 8, 50);
    ByteBuf frame = RaftFrameCodec.encode(ALLOC, "default", m);
    CompositeByteBuf composite = ALLOC.compositeBuffer();
    int half = frame.readableBytes() / 2;
    composite.addComponent(true, frame.retainedSlice(0, half));
    composite.addComponent(true, frame.retainedSlice(half, frame.readableBytes() - half));
    ByteBuf padded = Unpooled.wrappedBuffer(new byte[7], ByteBufUtil.getBytes(frame));
    try {
      assertThat(RaftFrameCodec.decode(composite).message()).isEqualTo(m);
      assertThat(RaftFrameCodec.decode(padded.slice(7, frame.readableBytes())).message())
          .isEqualTo(m);
    } finally {
      composite.release();
      frame.release();
      padded.release();
    }
  }

  @Test
  void entryPayloadsAreCopiedOutOfTheNetworkBuffer() {
    LogEntry entry = new LogEntry(5, 2, EntryType.COMMAND, new byte[] {1, 2, 3});
    ByteBuf frame =
        RaftFrameCodec.encode(
            ALLOC, "default", new AppendEntriesRequest("a", "b", 2, 4, 2, List.of(entry), 4));
    AppendEntriesRequest decoded;
    try {
      decoded = (AppendEntriesRequest) RaftFrameCodec.decode(frame).message();
      frame.setZero(0, frame.capacity());
    } finally {
      frame.release();
    }
    // Overwriting (and releasing) the buffer does not reach into the decoded entry.
    assertThat(decoded.entries().get(0).payload()).containsExactly(1, 2, 3);
  }

  @Test
  void aBatchWithAGapOrARepeatIsRefusedBeforeAFollowerCouldStoreIt() {
    // A follower would append the first entry, then fail on the second and stop; or, with a
    // repeat, acknowledge an index it does not hold.
    byte[] first = {11, 11, 11, 11};
    AppendEntriesRequest batch =
        new AppendEntriesRequest(
            "a",
            "b",
            2,
            4,
            2,
            List.of(
                new LogEntry(5, 2, EntryType.COMMAND, first),
                new LogEntry(6, 2, EntryType.COMMAND, new byte[] {22})),
            4);
    for (int delta : new int[] {1, -1}) {
      ByteBuf frame = RaftFrameCodec.encode(ALLOC, "default", batch);
      try {
        // The second entry starts right after the first one's payload, with its index delta.
        int second = ByteBufUtil.indexOf(Unpooled.wrappedBuffer(first), frame) + first.length;
        assertThat(frame.getByte(second)).isZero();
        frame.setByte(second, delta > 0 ? 2 : 1); // zigzag: 2 is +1, 1 is -1
        assertThatThrownBy(() -> RaftFrameCodec.decode(frame))
            .isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining("leaves a gap or repeats an index");
      } finally {
        frame.release();
      }
    }
  }

  @Test
  void snapshotChunkDataIsCopiedOutOfTheNetworkBuffer() {
    ByteBuf frame = RaftFrameCodec.encode(ALLOC, "default", Messages.chunk("a", "b", 10, 2, 3));
    InstallSnapshotRequest decoded;
    try {
      decoded = (InstallSnapshotRequest) RaftFrameCodec.decode(frame).message();
      frame.setZero(0, frame.capacity());
    } finally {
      frame.release();
    }
    assertThat(decoded.data()).containsExactly(Messages.bytes(3, 2));
  }

  @Test
  void aDefaultSizedSnapshotChunkCostsItsDataPlusAFewDozenBytesPerMember() {
    int chunkBytes = 1 << 20;
    InstallSnapshotRequest chunk = Messages.chunk("n1", "n2", 3L << 30, 5L << 20, chunkBytes);
    ByteBuf frame = RaftFrameCodec.encode(ALLOC, "default", chunk);
    try {
      // Four members of Messages.CONFIGURATION, each under 30 bytes, and a header under 40.
      assertThat(frame.readableBytes()).isBetween(chunkBytes, chunkBytes + 40 + 4 * 30);
      assertThat(Messages.byValue(RaftFrameCodec.decode(frame).message()))
          .isEqualTo(Messages.byValue(chunk));
    } finally {
      frame.release();
    }
  }

  @Test
  void aChunkWhoseEndOverflowsPastTheSnapshotCannotBeBuilt() {
    // offset + length wraps around to a negative number: the bounds check must not be fooled.
    assertThatThrownBy(
            () ->
                new InstallSnapshotRequest(
                    "a",
                    "b",
                    3,
                    new SnapshotMeta(5, 2, Messages.CONFIGURATION, 10),
                    0,
                    Long.MAX_VALUE,
                    new byte[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside a snapshot of 10 bytes");
  }

  @Test
  void encodingRefusesAFrameOverTheLimitBeforeAllocating() {
    assertThatThrownBy(
            () -> RaftFrameCodec.encode(ALLOC, "default", Messages.append("a", "b", 64, 100), 4096))
        .isInstanceOf(FrameTooLargeException.class)
        .hasMessageContaining("4096");
  }

  @Test
  void encodingRefusesWhatTheWireCannotCarryUnchanged() {
    assertThatThrownBy(
            () ->
                RaftFrameCodec.encode(
                    ALLOC, "default", new AppendEntriesResponse("a", "b", -1, true, 0, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("term");
    assertThatThrownBy(
            () ->
                RaftFrameCodec.encode(
                    ALLOC, "default", new VoteRequest("a\uD800", "b", 1, 0, 0, false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unicode");
    assertThatThrownBy(
            () ->
                RaftFrameCodec.encode(
                    ALLOC, "default", new VoteRequest("a".repeat(2000), "b", 1, 0, 0, false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit");
  }
}
