package io.reactiveraft.bench.jmh;

import io.netty.buffer.ByteBufAllocator;
import io.reactiveraft.Member;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.transport.rsocket.RSocketTransport;
import io.reactiveraft.transport.rsocket.RaftFrameCodec;
import io.reactiveraft.transport.rsocket.RaftSetup;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.frame.decoder.PayloadDecoder;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.ByteBufPayload;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;

/**
 * Peer RPCs per second over loopback: a client authenticated as member "a" issues request-responses
 * carrying encoded AppendEntries to an {@link RSocketTransport} serving member "b", which decodes,
 * admits and delivers each one; "b" answers each as a follower would, and the answer travels back
 * as the request's response. {@code inFlight} requests are outstanding at any time: 1 measures the
 * round-trip latency bound, 64 the pipelined throughput. Both ends run in this JVM, so the figure
 * includes the client's side of the work too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class RpcRoundTripBenchmark {

  private static final int REQUESTS = 2048;
  private static final String CLUSTER = "bench";
  private static final byte[] SECRET =
      "a benchmark secret of 32 bytes..".getBytes(StandardCharsets.UTF_8);

  /** Requests outstanding at once. */
  @Param({"1", "64"})
  public int inFlight;

  /** A heartbeat (empty AppendEntries), or an AppendEntries with 64 entries of 100 bytes. */
  @Param({"heartbeat", "append64x100"})
  public String message;

  private RSocketTransport server;
  private RSocket client;
  private List<LogEntry> entries;

  @Setup(Level.Trial)
  public void start() {
    server =
        RSocketTransport.builder().clusterId(CLUSTER).sharedSecret(SECRET).ioThreads(1).build();
    Member b = new Member("b", "127.0.0.1:0");
    Member a = new Member("a", "127.0.0.1:1");
    server
        .start(b, List.of(a))
        .subscribe(
            m -> {
              if (m instanceof AppendEntriesRequest r) {
                server.send(
                    new AppendEntriesResponse(
                        "b", "a", r.term(), true, r.lastIndex(), 0, 0, r.sequence()));
              }
            });
    InetSocketAddress address = server.boundAddress().orElseThrow();
    client =
        RSocketConnector.create()
            .setupPayload(RaftSetup.payload(CLUSTER, "a", "b", SECRET))
            .dataMimeType(RaftSetup.MIME_TYPE)
            .payloadDecoder(PayloadDecoder.ZERO_COPY)
            .connect(TcpClientTransport.create(address))
            .block(Duration.ofSeconds(10));
    entries = new ArrayList<>();
    if (message.equals("append64x100")) {
      for (int i = 0; i < 64; i++) {
        entries.add(new LogEntry(10_001 + i, 3, EntryType.COMMAND, new byte[100]));
      }
    }
  }

  @TearDown(Level.Trial)
  public void stop() {
    client.dispose();
    server.close().block(Duration.ofSeconds(10));
  }

  @Benchmark
  @OperationsPerInvocation(REQUESTS)
  public void roundTrips() {
    Flux.range(1, REQUESTS)
        .flatMap(
            sequence ->
                client.requestResponse(
                    ByteBufPayload.create(
                        RaftFrameCodec.encode(
                            ByteBufAllocator.DEFAULT,
                            RaftFrameCodec.DEFAULT_GROUP,
                            new AppendEntriesRequest(
                                "a", "b", 3, 10_000, 3, entries, 9_990, sequence)))),
            inFlight)
        .doOnNext(Payload::release)
        .blockLast(Duration.ofSeconds(30));
  }
}
