package io.reactiveraft.node;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.core.CoreConfig;
import io.reactiveraft.core.InjectedDefects;
import io.reactiveraft.core.RaftCore;
import io.reactiveraft.spi.LostEntries;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts {@link RaftNode}s. */
public final class ReactiveRaft {

  private static final Logger log = LoggerFactory.getLogger(ReactiveRaft.class);

  private ReactiveRaft() {}

  /**
   * Starts a node: restores the state machine from the newest valid snapshot, reads its term, vote
   * and the log after the snapshot (blocking, on the caller's thread), then starts its timers and
   * transport, and applies the entries its log store recorded as committed ({@link
   * io.reactiveraft.spi.LogStore#commitIndex}) without waiting for a leader. The node campaigns
   * only after an election timeout without hearing from a leader.
   *
   * @throws IllegalStateException when the stored state cannot be read
   */
  public static <C, R> RaftNode<C, R> start(RaftConfig<C, R> config) {
    SessionTable<R> sessions = new SessionTable<>(config.sessionTimeout().toMillis());
    Recovery.Recovered recovered = Recovery.recover(config, sessions);
    CoreConfig coreConfig =
        new CoreConfig(
            config.selfId(),
            new ClusterConfiguration(config.members(), List.of()),
            config.electionTicks(),
            config.heartbeatTicks(),
            config.preVote(),
            config.checkQuorum(),
            config.maxEntriesPerAppend(),
            config.maxAppendBytes(),
            config.maxInflightAppends(),
            config.catchUpRounds(),
            config.lease().toNanos(),
            config.bootstrap(),
            config.forwardToLeader(),
            config.snapshotChunkBytes());
    LostEntries lost = config.logStore().lostEntries();
    SplittableRandom random =
        config.randomSeed().map(SplittableRandom::new).orElseGet(SplittableRandom::new);
    RaftCore core =
        new RaftCore(
            coreConfig,
            config.logStore().hardState(),
            recovered.snapshot(),
            recovered.log(),
            lost,
            InjectedDefects.on(InjectedDefects.Defect.FORGET_COMMIT_INDEX)
                ? 0
                : config.logStore().commitIndex(),
            random);
    if (core.lostEntriesMissing()) {
      log.warn(
          "{}: its log lost entries it may have acknowledged, up to index {} at most (cut at"
              + " damage, in term {}); it neither votes nor campaigns until a leader has sent them"
              + " again",
          config.selfId(),
          lost.index(),
          lost.term());
    }
    // Request ids differ from one start to the next even with a fixed seed: the clock's reading
    // is mixed in. Drawn apart from the core's generator, whose draws a seed must keep reproducing.
    // Kept below 2^62, so they never wrap.
    SplittableRandom ids =
        config
            .randomSeed()
            .map(seed -> new SplittableRandom(~seed))
            .orElseGet(SplittableRandom::new);
    long firstRequestId =
        (ids.nextLong() ^ (config.monotonicClock().getAsLong() * 0x9E3779B97F4A7C15L)) >>> 2;
    NodeSchedulers schedulers = new NodeSchedulers(config);
    try {
      ReactiveRaftNode<C, R> node =
          new ReactiveRaftNode<>(config, core, schedulers, sessions, firstRequestId);
      node.start();
      return node;
    } catch (RuntimeException | Error e) {
      // Nothing started to release what was made for it: the node's threads, and a transport
      // that lent its loop (and so made its own threads before being started).
      schedulers.dispose();
      if (schedulers.loopFromTransport()) {
        config.transport().close().subscribe(null, closeFailed -> {});
      }
      throw e;
    }
  }
}
