package io.reactiveraft.bench.jmh;

import io.reactiveraft.log.MappedLogStore;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recovery scan: opening (and closing) a log of {@code logMiB} MiB of {@code payloadBytes}-byte
 * entries, which maps every segment, checks every record's CRC32C, index and term, and builds the
 * in-memory index. Score = milliseconds per open; scan speed = logMiB / seconds. The files are in
 * the page cache (written by the setup), so this measures the scan, not the disk. Use {@code -p
 * logMiB=64} for a quick run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class MappedLogRecoveryBenchmark {

  @Param("1024")
  public int logMiB;

  @Param("100")
  public int payloadBytes;

  private Path dir;

  @Setup(Level.Trial)
  public void writeLog() {
    dir = LogFiles.newDirectory("mmap-recovery");
    MappedLogStore store = MappedLogStore.open(dir.resolve("log"));
    byte[] payload = new byte[payloadBytes];
    long entries = ((long) logMiB << 20) / (payloadBytes + 25);
    long index = 0;
    while (index < entries) {
      List<LogEntry> batch = new ArrayList<>(10_000);
      for (int i = 0; i < 10_000 && index < entries; i++) {
        batch.add(new LogEntry(++index, 1, EntryType.COMMAND, payload));
      }
      store.append(batch);
      if (index % 1_000_000 < 10_000) {
        store.written().block(Duration.ofMinutes(5)); // bounds the queue
      }
    }
    store.flush().block(Duration.ofMinutes(5));
    store.close();
  }

  @TearDown(Level.Trial)
  public void deleteLog() {
    LogFiles.delete(dir);
  }

  @Benchmark
  public long openAndScan() {
    MappedLogStore store = MappedLogStore.open(dir.resolve("log"));
    try {
      return store.lastIndex();
    } finally {
      store.close();
    }
  }
}
