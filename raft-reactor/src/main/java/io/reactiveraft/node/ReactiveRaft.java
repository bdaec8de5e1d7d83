package io.reactiveraft.node;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.core.CoreConfig;
import io.reactiveraft.core.RaftCore;
import io.reactiveraft.core.RaftLog;
import io.reactiveraft.spi.LogStore;
import java.util.List;
import java.util.SplittableRandom;

/** Starts {@link RaftNode}s. */
public final class ReactiveRaft {

  private ReactiveRaft() {}

  /**
   * Starts a node: reads its term, vote and log from the configured log store (blocking, on the
   * caller's thread), then starts its timers and transport. The node campaigns only after an
   * election timeout without hearing from a leader.
   *
   * @throws IllegalStateException when the stored state cannot be read
   */
  public static <C, R> RaftNode<C, R> start(RaftConfig<C, R> config) {
    LogStore store = config.logStore();
    long first = store.firstIndex();
    long last = store.lastIndex();
    RaftLog log = new RaftLog(first - 1, 0, last >= first ? store.entries(first, last) : List.of());
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
            config.forwardToLeader());
    SplittableRandom random =
        config.randomSeed().map(SplittableRandom::new).orElseGet(SplittableRandom::new);
    RaftCore core = new RaftCore(coreConfig, store.hardState(), log, random);
    ReactiveRaftNode<C, R> node = new ReactiveRaftNode<>(config, core, new NodeSchedulers(config));
    node.start();
    return node;
  }
}
