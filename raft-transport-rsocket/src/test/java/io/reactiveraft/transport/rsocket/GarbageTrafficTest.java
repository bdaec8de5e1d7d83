package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteRequest;
import io.rsocket.util.ByteBufPayload;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A member that sends garbage (a buggy or compromised peer with valid credentials), a stranger, and
 * raw bytes on the port: each bad request gets an error, the connection that carried it stays up,
 * and the cluster keeps committing.
 */
class GarbageTrafficTest {

  private static final int MAX_FRAME = 64 * 1024;
  private static final int GARBAGE_REQUESTS = 3_000;

  @Test
  @Timeout(120)
  void aClusterKeepsCommittingWhileAMemberSendsGarbage() throws IOException {
    try (RSocketCluster cluster = new RSocketCluster(3, b -> b.maxFrameSize(MAX_FRAME))) {
      String leader = cluster.awaitLeader();
      String impersonated =
          cluster.running().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      InetSocketAddress port = cluster.transport(leader).boundAddress().orElseThrow();
      Garbage garbage = new Garbage(impersonated, leader, 42);

      try (RawPeer bad =
              RawPeer.connect(
                  port, TestTransports.CLUSTER, impersonated, leader, TestTransports.SECRET);
          RawPeer stranger =
              RawPeer.connect(port, TestTransports.CLUSTER, "n9", leader, "wrong secret!!");
          Socket raw = new Socket(port.getAddress(), port.getPort())) {
        Mono<List<Boolean>> flood =
            Flux.range(0, GARBAGE_REQUESTS)
                .flatMap(
                    i -> bad.sendFrame(garbage.frame(i)).thenReturn(false).onErrorReturn(true), 16)
                .collectList()
                .cache();
        flood.subscribe();
        // The other interaction models are not Raft's: refused, payloads released.
        bad.socket().fireAndForget(ByteBufPayload.create("x")).subscribe(v -> {}, e -> {});
        bad.socket().requestStream(ByteBufPayload.create("x")).subscribe(v -> {}, e -> {});
        bad.socket().metadataPush(ByteBufPayload.create("", "m")).subscribe(v -> {}, e -> {});
        stranger
            .send(new VoteRequest("n9", leader, 99, 0, 0, false))
            .onErrorResume(e -> Mono.empty())
            .subscribe();
        writeRandomBytes(raw);

        List<String> commands = RSocketCluster.commands("g", 2_000);
        assertThat(cluster.submitAll(leader, commands, 200)).hasSize(commands.size());

        List<Boolean> refused = flood.block(RSocketCluster.TIMEOUT);
        assertThat(refused).hasSize(GARBAGE_REQUESTS).containsOnly(true);
        assertThat(bad.socket().isDisposed()).as("the garbage connection is still up").isFalse();
        assertThat(cluster.transport(leader).stats().rejectedInbound())
            .isGreaterThanOrEqualTo(GARBAGE_REQUESTS);
        // The stranger's refusal is counted when its SETUP is read, which nothing above waits for.
        Await.until(
            () -> cluster.transport(leader).stats().rejectedConnections() > 0,
            RSocketCluster.TIMEOUT,
            "the stranger's connection refused");
      }
      cluster.awaitConverged(leader);
      assertThat(cluster.awaitLeader()).isEqualTo(leader);
      for (String id : cluster.running()) {
        assertThat(cluster.stateMachine(id).applied()).hasSize(2_000);
      }
    }
  }

  private static void writeRandomBytes(Socket raw) throws IOException {
    byte[] noise = new byte[16 * 1024];
    new SplittableRandom(3).nextBytes(noise);
    OutputStream out = raw.getOutputStream();
    out.write(noise);
    out.flush();
  }

  /** Frames that must all be refused: one of several kinds of damage, chosen by index. */
  private static final class Garbage {
    private final String from;
    private final String to;
    private final SplittableRandom random;
    private final List<IntFunction<ByteBuf>> kinds;

    Garbage(String from, String to, long seed) {
      this.from = from;
      this.to = to;
      this.random = new SplittableRandom(seed);
      this.kinds =
          List.of(
              i -> randomBytes(1 + random.nextInt(200)),
              i -> truncated(valid(i)),
              i -> withByte(valid(i), 0, RaftFrameCodec.VERSION + 1), // unknown version
              i -> withByte(valid(i), 1, 17), // unknown kind
              i -> encode("another-group", message(from, to, i)),
              i -> encode("default", message("someone-else", to, i)),
              i -> encode("default", message(from, "not-me", i)),
              i -> randomBytes(MAX_FRAME + 1 + random.nextInt(1000)), // over the size limit
              i -> {
                ByteBuf frame = valid(i);
                frame.writeByte(0); // a trailing byte
                return frame;
              });
    }

    synchronized ByteBuf frame(int i) {
      return kinds.get(i % kinds.size()).apply(i);
    }

    private static RaftMessage message(String from, String to, int i) {
      return i % 2 == 0
          ? new VoteRequest(from, to, 1_000_000 + i, 0, 0, false)
          : new AppendEntriesResponse(from, to, 1_000_000 + i, true, i, 0, 0);
    }

    private ByteBuf valid(int i) {
      ByteBuf frame = encode("default", message(from, to, i));
      ByteBuf copy = ByteBufAllocator.DEFAULT.buffer(frame.readableBytes() + 1);
      copy.writeBytes(frame);
      frame.release();
      return copy;
    }

    private static ByteBuf encode(String group, RaftMessage m) {
      return RaftFrameCodec.encode(ByteBufAllocator.DEFAULT, group, m);
    }

    private ByteBuf truncated(ByteBuf frame) {
      frame.writerIndex(random.nextInt(frame.writerIndex()));
      return frame;
    }

    private static ByteBuf withByte(ByteBuf frame, int index, int value) {
      frame.setByte(index, value);
      return frame;
    }

    private ByteBuf randomBytes(int length) {
      byte[] bytes = new byte[length];
      random.nextBytes(bytes);
      return ByteBufAllocator.DEFAULT.buffer(length).writeBytes(bytes);
    }
  }
}
