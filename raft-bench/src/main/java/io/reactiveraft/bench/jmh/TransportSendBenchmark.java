package io.reactiveraft.bench.jmh;

import io.reactiveraft.Member;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.transport.rsocket.RSocketTransport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
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

/**
 * Messages per second from one {@link RSocketTransport} to another over loopback, through the
 * transport API the node uses ({@code send} on one side, the inbound {@code Flux} on the other):
 * the full path with per-peer windows, timeouts and acknowledgements. At most {@code inFlight}
 * messages are sent and not yet delivered.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class TransportSendBenchmark {

  private static final int MESSAGES = 2048;
  private static final byte[] SECRET =
      "a benchmark secret of 32 bytes..".getBytes(StandardCharsets.UTF_8);

  /** Messages sent and not yet delivered, at most. */
  @Param({"1", "64"})
  public int inFlight;

  private RSocketTransport sender;
  private RSocketTransport receiver;
  private Semaphore window;
  private final RaftMessage message = new AppendEntriesResponse("a", "b", 3, true, 10_000, 0, 0);

  @Setup(Level.Trial)
  public void start() {
    window = new Semaphore(inFlight);
    Member a = new Member("a", "127.0.0.1:" + freePort());
    Member b = new Member("b", "127.0.0.1:" + freePort());
    sender = transport();
    receiver = transport();
    receiver.start(b, List.of(a)).subscribe(m -> window.release());
    sender.start(a, List.of(b)).subscribe();
  }

  private static RSocketTransport transport() {
    return RSocketTransport.builder()
        .clusterId("bench")
        .sharedSecret(SECRET)
        .ioThreads(1)
        // The benchmark bounds messages sent and not yet delivered; acknowledgements trail
        // deliveries, so the transport's own window is set out of the way.
        .maxInFlightPerPeer(1 << 16)
        .build();
  }

  private static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @TearDown(Level.Trial)
  public void stop() {
    sender.close().block(Duration.ofSeconds(10));
    receiver.close().block(Duration.ofSeconds(10));
  }

  @Benchmark
  @OperationsPerInvocation(MESSAGES)
  public void sendAndDeliver() throws InterruptedException {
    for (int i = 0; i < MESSAGES; i++) {
      if (!window.tryAcquire(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("a message was lost: " + sender.stats());
      }
      sender.send(message);
    }
    // Wait for the last ones to arrive, then give the permits back.
    if (!window.tryAcquire(inFlight, 10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("a message was lost: " + sender.stats());
    }
    window.release(inFlight);
  }
}
