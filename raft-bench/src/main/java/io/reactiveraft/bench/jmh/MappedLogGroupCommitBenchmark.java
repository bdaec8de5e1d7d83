package io.reactiveraft.bench.jmh;

import io.reactiveraft.log.MappedLogStore;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Mono;

/**
 * Group commit: N appenders each append one 100-byte entry and wait for its flush (a force of the
 * segment and of the metadata watermark). Ops = durable entries per second; with more appenders one
 * force serves more flushes, so the rate grows while each appender still waits for its own force.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class MappedLogGroupCommitBenchmark {

  private static final Duration WAIT = Duration.ofMinutes(1);

  private final byte[] payload = new byte[100];
  private Path dir;
  private MappedLogStore store;

  @Setup(Level.Trial)
  public void open() {
    dir = LogFiles.newDirectory("mmap-group-commit");
    store = MappedLogStore.open(dir.resolve("log"));
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close();
    LogFiles.delete(dir);
  }

  private void appendAndFlush() {
    Mono<Void> durable;
    synchronized (store) { // the index and the append must go together
      store.append(List.of(new LogEntry(store.lastIndex() + 1, 1, EntryType.COMMAND, payload)));
      durable = store.flush();
    }
    durable.block(WAIT);
  }

  @Benchmark
  @Threads(1)
  public void appenders1() {
    appendAndFlush();
  }

  @Benchmark
  @Threads(16)
  public void appenders16() {
    appendAndFlush();
  }

  @Benchmark
  @Threads(256)
  public void appenders256() {
    appendAndFlush();
  }
}
