package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.log.InMemoryLogStore;
import io.reactiveraft.node.ReactiveRaft;
import io.reactiveraft.testing.RecordingStateMachine;
import io.reactiveraft.testing.StringCodec;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * With its one IO thread (the default), the transport lends it to the node: the node's loop runs
 * there, and the thread ends with the node's close. With more, the node keeps a thread of its own.
 */
class LentEventLoopTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void withOneIoThreadTheNodesLoopRunsOnItAndEndsWithTheClose() {
    Set<String> loopThreads = runOneCommand("lent", TestTransports.builder());

    assertThat(loopThreads).allMatch(name -> name.startsWith("raft-rsocket-lent"));
    Await.until(
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("raft-rsocket-lent")),
        WAIT,
        "the transport's threads end with the close");
  }

  @Test
  void withMoreIoThreadsTheNodeKeepsALoopThreadOfItsOwn() {
    Set<String> loopThreads = runOneCommand("own", TestTransports.builder().ioThreads(2));

    assertThat(loopThreads).allMatch(name -> name.startsWith("raft-loop-own"));
  }

  /** Starts a one-member cluster, commits a command, closes; the threads its loop ran on. */
  private static Set<String> runOneCommand(String id, RSocketTransportBuilder transport) {
    Set<String> loopThreads = ConcurrentHashMap.newKeySet();
    RaftNode<String, String> node =
        ReactiveRaft.start(
            RaftConfig.<String, String>builder()
                .members(List.of(new Member(id, Loopback.freeAddress())))
                .self(id)
                .transport(transport.build())
                .logStore(new InMemoryLogStore())
                .stateMachine(new RecordingStateMachine())
                .codec(new StringCodec())
                .bootstrap(true)
                .build());
    try {
      // Events are published by the node's loop, on its thread.
      node.events().subscribe(e -> loopThreads.add(Thread.currentThread().getName()));
      node.leaderChanges()
          .filter(c -> c.kind() == LeaderChange.Kind.BECAME_LEADER)
          .blockFirst(WAIT);
      assertThat(node.submit("x", WAIT).block(WAIT)).endsWith(":x");
    } finally {
      node.close().block(WAIT);
    }
    assertThat(loopThreads).isNotEmpty();
    return loopThreads;
  }
}
