package io.reactiveraft.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.transport.rsocket.RaftFrameCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The RSocket transport's codec on a full AppendEntries: 64 entries of 100 bytes, on pooled direct
 * buffers as the transport uses them. Netty's leak detection is off, as it is sampled in
 * production.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class FrameCodecBenchmark {

  private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
  private AppendEntriesRequest message;
  private ByteBuf encoded;

  @Setup
  public void prepare() {
    List<LogEntry> entries = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      byte[] payload = new byte[100];
      payload[0] = (byte) i;
      entries.add(new LogEntry(10_001 + i, 3, EntryType.COMMAND, payload));
    }
    message = new AppendEntriesRequest("n1", "n2", 3, 10_000, 3, entries, 9_990);
    encoded = RaftFrameCodec.encode(allocator, RaftFrameCodec.DEFAULT_GROUP, message);
  }

  @TearDown
  public void release() {
    encoded.release();
  }

  /** What a round trip through the wire costs the two ends together. */
  @Benchmark
  public RaftMessage encodeAndDecode() {
    ByteBuf frame = RaftFrameCodec.encode(allocator, RaftFrameCodec.DEFAULT_GROUP, message);
    try {
      return RaftFrameCodec.decode(frame).message();
    } finally {
      frame.release();
    }
  }

  @Benchmark
  public int encode() {
    ByteBuf frame = RaftFrameCodec.encode(allocator, RaftFrameCodec.DEFAULT_GROUP, message);
    int size = frame.readableBytes();
    frame.release();
    return size;
  }

  @Benchmark
  public RaftMessage decode() {
    return RaftFrameCodec.decode(encoded.duplicate()).message();
  }
}
