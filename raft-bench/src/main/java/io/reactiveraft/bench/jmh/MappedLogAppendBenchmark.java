package io.reactiveraft.bench.jmh;

import io.reactiveraft.log.MappedLogOptions;
import io.reactiveraft.log.MappedLogStore;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
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
 * Append throughput of 100-byte entries without force (ops = entries per second).
 *
 * <ul>
 *   <li>{@code storeAppendOneByOne}: one {@code append} call per entry, as a node appends a single
 *       proposal, then waiting until the IO thread has written all 1000 to the segment;
 *   <li>{@code storeAppendBatch}: the same 1000 entries in one {@code append} call;
 *   <li>{@code fileChannelWrite}: the baseline, one {@code FileChannel.write} per entry of the same
 *       record (length, CRC32C, term, index, type, payload) on the calling thread.
 * </ul>
 *
 * A fresh log (default 64 MiB segments, preallocation included) and a fresh baseline file per
 * iteration keep the disk use bounded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class MappedLogAppendBenchmark {

  private static final int BATCH = 1000;

  /** Segment size; every segment is preallocated (zero-filled) when the log rolls into it. */
  @Param("64")
  public int segmentMiB;

  private static final Duration WAIT = Duration.ofMinutes(1);

  private final byte[] payload = new byte[100];
  private Path dir;
  private MappedLogStore store;
  private FileChannel channel;
  private ByteBuffer record;
  private final CRC32C crc = new CRC32C();
  private long mmapIndex;
  private long channelIndex;

  @Setup(Level.Iteration)
  public void open() throws IOException {
    dir = LogFiles.newDirectory("mmap-append");
    store =
        MappedLogStore.open(
            dir.resolve("log"), MappedLogOptions.builder().segmentSize(segmentMiB << 20).build());
    mmapIndex = 0;
    channel =
        FileChannel.open(
            dir.resolve("baseline.log"),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    record = ByteBuffer.allocateDirect(25 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    channelIndex = 0;
  }

  @TearDown(Level.Iteration)
  public void close() throws IOException {
    store.close();
    channel.close();
    LogFiles.delete(dir);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void storeAppendOneByOne() {
    for (int i = 0; i < BATCH; i++) {
      store.append(List.of(new LogEntry(++mmapIndex, 1, EntryType.COMMAND, payload)));
    }
    store.written().block(WAIT);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void storeAppendBatch() {
    List<LogEntry> batch = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      batch.add(new LogEntry(++mmapIndex, 1, EntryType.COMMAND, payload));
    }
    store.append(batch);
    store.written().block(WAIT);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void fileChannelWrite() throws IOException {
    for (int i = 0; i < BATCH; i++) {
      LogEntry e = new LogEntry(++channelIndex, 1, EntryType.COMMAND, payload);
      record.clear();
      record.putInt(17 + e.payload().length).putInt(0).putLong(e.term()).putLong(e.index());
      record.put((byte) 1).put(e.payload());
      record.flip();
      crc.reset();
      crc.update(record.duplicate().limit(4));
      crc.update(record.duplicate().position(8));
      record.putInt(4, (int) crc.getValue());
      while (record.hasRemaining()) {
        channel.write(record);
      }
    }
  }
}
