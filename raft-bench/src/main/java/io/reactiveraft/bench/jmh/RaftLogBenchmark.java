package io.reactiveraft.bench.jmh;

import io.reactiveraft.core.RaftLog;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
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
import org.openjdk.jmh.annotations.Warmup;

/** The leader's hot read path: slicing a batch of entries for one AppendEntries. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RaftLogBenchmark {

  private RaftLog log;
  private long from;

  @Setup
  public void fill() {
    log = new RaftLog();
    byte[] payload = new byte[100];
    for (long i = 1; i <= 100_000; i++) {
      log.append(new LogEntry(i, 1, EntryType.COMMAND, payload));
    }
    from = 1;
  }

  @Benchmark
  public List<LogEntry> slice64() {
    from = from + 64 > 99_900 ? 1 : from + 64;
    return log.slice(from, 64, 1 << 20);
  }
}
