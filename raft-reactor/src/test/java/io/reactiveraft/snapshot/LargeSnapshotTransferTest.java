package io.reactiveraft.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.StateMachine;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.testing.RealTimeNodes;
import io.reactiveraft.testing.StringCodec;
import io.reactiveraft.transport.local.LocalNetwork;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A 200 MiB snapshot goes to a follower that fell behind the leader's compacted log while the heap
 * stays bounded: one 1 MiB chunk is in flight per follower and the stores stream through small
 * buffers, so the transfer may add at most {@link #HEAP_BOUND} to the live heap, far less than the
 * snapshot itself.
 */
class LargeSnapshotTransferTest {

  private static final long SNAPSHOT_BYTES = Long.getLong("snapshot.mib", 200) << 20;
  private static final long HEAP_BOUND = 48L << 20;
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path dir;

  private final Scheduler networkScheduler = Schedulers.newSingle("large-snapshot-network");
  private final Map<String, RaftNode<String, String>> nodes = new LinkedHashMap<>();
  private final Map<String, BulkMachine> machines = new LinkedHashMap<>();

  @AfterEach
  void stop() {
    Flux.fromIterable(nodes.values()).flatMap(RaftNode::close).blockLast(WAIT);
    networkScheduler.dispose();
  }

  /**
   * A state machine whose image is {@link #SNAPSHOT_BYTES} of a pattern derived from how many
   * commands it applied, generated while written and checked while read: neither side ever holds
   * it.
   */
  static final class BulkMachine implements StateMachine<String, String> {
    private volatile long applied;
    private volatile long restoredBytes;

    @Override
    public String apply(long index, String command) {
      applied++;
      return "ok";
    }

    @Override
    public Snapshot snapshot() {
      long count = applied;
      return out -> {
        DataOutputStream data = new DataOutputStream(out);
        data.writeLong(count);
        byte[] block = new byte[64 << 10];
        for (long written = 0; written < SNAPSHOT_BYTES; written += block.length) {
          for (int i = 0; i < block.length; i++) {
            block[i] = pattern(count, written + i);
          }
          data.write(block);
        }
        data.flush();
      };
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      long count = data.readLong();
      byte[] block = new byte[64 << 10];
      long read = 0;
      for (int n; (n = data.read(block)) > 0; ) {
        for (int i = 0; i < n; i++) {
          if (block[i] != pattern(count, read + i)) {
            throw new IOException("snapshot byte " + (read + i) + " is wrong");
          }
        }
        read += n;
      }
      applied = count;
      restoredBytes = read;
    }

    private static byte pattern(long count, long position) {
      return (byte) (position * 31 + count);
    }
  }

  private void start(List<Member> members, LocalNetwork network, String id) {
    BulkMachine sm = new BulkMachine();
    RaftConfig<String, String> config =
        RealTimeNodes.loadTolerant(RaftConfig.<String, String>builder())
            .members(members)
            .self(id)
            .transport(network.transport(id))
            .logStore(RealTimeNodes.mappedLog(dir.resolve(id).resolve("log")))
            .snapshotStore(FileSnapshotStore.open(dir.resolve(id).resolve("snapshots")))
            .snapshotThreshold(1_000_000) // only on demand
            .stateMachine(sm)
            .codec(new StringCodec())
            .bootstrap(true)
            .build();
    nodes.put(id, ReactiveRaft.start(config));
    machines.put(id, sm);
  }

  /**
   * The heap in use after the latest collection, summed over the heap's pools: what was still
   * reachable then, not garbage awaiting collection.
   */
  private static long liveHeap() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage afterGc = pool.getCollectionUsage();
      if (pool.getType() == MemoryType.HEAP && afterGc != null) {
        used += afterGc.getUsed();
      }
    }
    return used;
  }

  @Test
  void aTwoHundredMebibyteSnapshotReachesAFollowerWithTheHeapBounded() {
    List<Member> members =
        IntStream.rangeClosed(1, 3).mapToObj(i -> new Member("n" + i, "local:n" + i)).toList();
    LocalNetwork network = new LocalNetwork(networkScheduler, 3);
    members.forEach(m -> start(members, network, m.id()));
    String leader =
        Flux.fromIterable(nodes.values())
            .flatMap(RaftNode::leaderChanges)
            .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
            .map(LeaderChange::leader)
            .blockFirst(WAIT);
    String behind =
        members.stream().map(Member::id).filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    network.isolate(behind);
    Flux.range(0, 20).concatMap(i -> nodes.get(leader).submit("c" + i)).blockLast(WAIT);
    nodes.get(leader).snapshot().block(WAIT);
    Flux.range(0, 20).concatMap(i -> nodes.get(leader).submit("d" + i)).blockLast(WAIT);
    nodes.get(leader).snapshot().block(WAIT); // the log now starts after the first one

    System.gc(); // a baseline without the garbage of the leader's own snapshot
    long baseline = liveHeap();
    long peak = baseline;
    network.heal();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (machines.get(behind).restoredBytes == 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(20_000_000); // sample every 20 ms, leaving the cores to the transfer
      peak = Math.max(peak, liveHeap());
    }

    BulkMachine follower = machines.get(behind);
    assertThat(follower.restoredBytes).isEqualTo(SNAPSHOT_BYTES);
    assertThat(follower.applied).isEqualTo(machines.get(leader).applied);
    assertThat(peak - baseline)
        .as("live heap added during the transfer of a %d MiB snapshot", SNAPSHOT_BYTES >> 20)
        .isLessThan(HEAP_BOUND);
    System.out.printf(
        "# large snapshot: %d MiB sent, live heap peak %+d KiB over the baseline (bound %d MiB)%n",
        SNAPSHOT_BYTES >> 20, (peak - baseline) >> 10, HEAP_BOUND >> 20);
  }
}
