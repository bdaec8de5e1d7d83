package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.reactiveraft.Member;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.InstallSnapshotResponse;
import io.reactiveraft.message.RaftMessage;
import io.rsocket.exceptions.InvalidException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Snapshot chunks of the node's default size over real connections on 127.0.0.1. */
class SnapshotChunkTransportTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** The node's default {@code snapshotChunkBytes}. */
  private static final int CHUNK_BYTES = 1 << 20;

  private final Member a = new Member("a", Loopback.freeAddress());
  private final Member b = new Member("b", Loopback.freeAddress());
  private final List<RSocketTransport> transports = new ArrayList<>();

  @AfterEach
  void close() {
    transports.forEach(t -> t.close().block(TIMEOUT));
  }

  /** Starts a transport for {@code self}, peer of {@code peer}, and returns what it receives. */
  private BlockingQueue<RaftMessage> start(
      RSocketTransportBuilder builder, Member self, Member peer) {
    RSocketTransport transport = builder.build();
    transports.add(transport);
    BlockingQueue<RaftMessage> inbox = new LinkedBlockingQueue<>();
    transport.start(self, List.of(peer)).subscribe(inbox::add);
    return inbox;
  }

  private static RaftMessage next(BlockingQueue<RaftMessage> inbox) throws InterruptedException {
    RaftMessage m = inbox.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(m).as("a message within %s", TIMEOUT).isNotNull();
    return m;
  }

  @Test
  void defaultSizedChunksCrossAndTheirAnswersComeBack() throws InterruptedException {
    // The default frame limit, untouched by the test builder.
    BlockingQueue<RaftMessage> atA = start(TestTransports.builder(), a, b);
    BlockingQueue<RaftMessage> atB = start(TestTransports.builder(), b, a);
    RSocketTransport fromA = transports.get(0);
    long size = 3L * CHUNK_BYTES - 5;

    // One chunk at a time, each after the answer to the last, as a leader sends them.
    for (long offset = 0; offset < size; offset += CHUNK_BYTES) {
      InstallSnapshotRequest chunk =
          Messages.chunk("a", "b", size, offset, (int) Math.min(CHUNK_BYTES, size - offset));
      fromA.send(chunk);
      RaftMessage received = next(atB);
      assertThat(received).isInstanceOf(InstallSnapshotRequest.class);
      assertThat(Messages.byValue(received)).isEqualTo(Messages.byValue(chunk));

      long nextOffset = offset + chunk.data().length;
      InstallSnapshotResponse answer =
          new InstallSnapshotResponse("b", "a", 7, 900, nextOffset, true);
      transports.get(1).send(answer);
      assertThat(next(atA)).isEqualTo(answer);
    }
    assertThat(fromA.stats().dropped()).isZero();
    Await.until(() -> fromA.stats().acknowledged() == 3, TIMEOUT, "three chunks acknowledged");
    assertThat(fromA.stats().failed()).isZero();
  }

  @Test
  void aChunkOverTheFrameLimitIsDroppedByItsSenderAndASmallerOneStillGoes()
      throws InterruptedException {
    // A limit of exactly the chunk size leaves no room for the header.
    start(TestTransports.builder().maxFrameSize(CHUNK_BYTES), a, b);
    BlockingQueue<RaftMessage> atB = start(TestTransports.builder(), b, a);
    RSocketTransport fromA = transports.get(0);

    fromA.send(Messages.chunk("a", "b", 4L * CHUNK_BYTES, 0, CHUNK_BYTES));
    // The first message waits for the connection, and is encoded (and refused) once it is open.
    Await.until(() -> fromA.stats().dropped() == 1, TIMEOUT, "the oversized chunk dropped");
    assertThat(fromA.stats().sent()).isZero();

    InstallSnapshotRequest smaller =
        Messages.chunk("a", "b", 4L * CHUNK_BYTES, 0, CHUNK_BYTES - 64 * 1024);
    fromA.send(smaller);
    assertThat(Messages.byValue(next(atB))).isEqualTo(Messages.byValue(smaller));
    assertThat(atB).isEmpty();
  }

  @Test
  void aMalformedChunkIsRefusedAndTheConnectionCarriesTheNextOne() throws InterruptedException {
    BlockingQueue<RaftMessage> atB = start(TestTransports.builder(), b, a);
    InetSocketAddress port = transports.get(0).boundAddress().orElseThrow();
    InstallSnapshotRequest chunk = Messages.chunk("a", "b", 2L * CHUNK_BYTES, 0, CHUNK_BYTES);

    try (RawPeer peer =
        RawPeer.connect(port, TestTransports.CLUSTER, "a", "b", TestTransports.SECRET)) {
      // The chunk's last byte is missing.
      ByteBuf truncated = RaftFrameCodec.encode(ByteBufAllocator.DEFAULT, "default", chunk);
      truncated.writerIndex(truncated.writerIndex() - 1);
      assertThatThrownBy(() -> peer.sendFrame(truncated).block(RawPeer.TIMEOUT))
          .isInstanceOf(InvalidException.class)
          .hasMessageContaining("chunk data");

      peer.send(chunk).block(RawPeer.TIMEOUT);
      assertThat(Messages.byValue(next(atB))).isEqualTo(Messages.byValue(chunk));
      assertThat(peer.socket().isDisposed()).isFalse();
    }
    assertThat(atB).isEmpty();
    assertThat(transports.get(0).stats().rejectedInbound()).isEqualTo(1);
  }
}
