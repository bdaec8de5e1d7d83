package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import io.reactiveraft.RaftConfig;
import io.reactiveraft.RaftNode;
import io.reactiveraft.RaftStatus;
import io.reactiveraft.log.ForwardingLogStore;
import io.reactiveraft.log.InMemoryLogStore;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LogStore;
import io.reactiveraft.spi.LostEntries;
import io.reactiveraft.testing.RecordingStateMachine;
import io.reactiveraft.testing.StringCodec;
import io.reactiveraft.transport.local.LocalNetwork;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/** A node started on a store that lost acknowledged entries stays out of elections. */
class LostEntriesNodeTest {

  private static final List<Member> MEMBERS =
      List.of(new Member("a", "local:a"), new Member("b", "local:b"), new Member("c", "local:c"));

  @Test
  void aNodeOnAStoreThatLostEntriesRefusesItsVote() throws InterruptedException {
    Answer a = voteOfA(new LostEntries(10, 1));
    assertThat(a.vote().granted()).isFalse();
    assertThat(a.status().lostIndexMissing()).as("shown in its status").isEqualTo(10);
  }

  @Test
  void theSameNodeOnAStoreThatLostNothingGivesIt() throws InterruptedException {
    Answer a = voteOfA(LostEntries.NONE);
    assertThat(a.vote().granted()).isTrue();
    assertThat(a.status().lostIndexMissing()).isZero();
  }

  /** a's answer to b's vote request, and a's status then. */
  private record Answer(VoteResponse vote, RaftStatus status) {}

  /** Starts a on a store reporting {@code lost}; b asks for its vote until it answers. */
  private static Answer voteOfA(LostEntries lost) throws InterruptedException {
    LocalNetwork network = new LocalNetwork(Schedulers.immediate(), 1);
    InMemoryLogStore memory = new InMemoryLogStore();
    memory.saveHardState(new HardState(1, null)); // it has run before: not waiting for a log
    RaftNode<String, String> a =
        ReactiveRaft.start(
            RaftConfig.<String, String>builder()
                .members(MEMBERS)
                .self("a")
                .transport(network.transport("a"))
                .logStore(new Reporting(memory, lost))
                .stateMachine(new RecordingStateMachine())
                .codec(new StringCodec())
                .electionTimeout(Duration.ofMillis(200))
                .build());
    BlockingQueue<VoteResponse> answers = new LinkedBlockingQueue<>();
    var b = network.transport("b");
    Disposable inbox =
        b.start(MEMBERS.get(1), List.of(MEMBERS.get(0), MEMBERS.get(2)))
            .subscribe(
                (RaftMessage m) -> {
                  if (m instanceof VoteResponse r && !r.preVote()) {
                    answers.add(r);
                  }
                });
    try {
      // Asked again until answered: a node that just started ignores candidates for a while.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      VoteResponse answer = null;
      while (answer == null && System.nanoTime() < deadline) {
        b.send(new VoteRequest("b", "a", 5, 0, 0, false));
        answer = answers.poll(50, TimeUnit.MILLISECONDS);
      }
      assertThat(answer).as("a answered").isNotNull();
      return new Answer(answer, a.status().block(Duration.ofSeconds(10)));
    } finally {
      inbox.dispose();
      a.close().block(Duration.ofSeconds(10));
    }
  }

  /** A store that reports a loss, and otherwise is the one it wraps. */
  private static final class Reporting extends ForwardingLogStore {
    private final LostEntries lost;

    Reporting(LogStore store, LostEntries lost) {
      super(store);
      this.lost = lost;
    }

    @Override
    public LostEntries lostEntries() {
      return lost;
    }
  }
}
