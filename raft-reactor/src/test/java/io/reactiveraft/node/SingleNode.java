package io.reactiveraft.node;

import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.log.InMemoryLogStore;
import io.reactiveraft.testing.StringCodec;
import io.reactiveraft.transport.local.LocalNetwork;
import java.util.List;
import reactor.core.scheduler.Schedulers;

/** A one-member cluster on the node's own threads, kept in memory: tests of those threads. */
final class SingleNode {

  private SingleNode() {}

  /** Member {@code a}, its transport, an in-memory log and the string codec; the rest is yours. */
  static RaftConfig.Builder<String, String> config() {
    return RaftConfig.<String, String>builder()
        .members(List.of(new Member("a", "local:a")))
        .self("a")
        .transport(new LocalNetwork(Schedulers.immediate(), 1).transport("a"))
        .logStore(new InMemoryLogStore())
        .codec(new StringCodec());
  }
}
