package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.ClientSession;
import io.reactiveraft.InvalidCommandException;
import io.reactiveraft.LeaderChange;
import io.reactiveraft.LeadershipLostException;
import io.reactiveraft.Member;
import io.reactiveraft.NotLeaderException;
import io.reactiveraft.OutcomeUnknownException;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.RaftNode;
import io.reactiveraft.RaftStatus;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Which sequence number each command of a {@link ClientSession} goes out with: a number is used up
 * once its command may have reached the log, and only then.
 */
class ClientSessionTest {

  private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
  private final ScriptedNode node = new ScriptedNode();
  private final ClientSession<String, String> session =
      new ClientSession<>(node, "c", 3, Duration.ofMillis(10), time);

  /** Answers session commands with the next scripted Mono, and records their numbers. */
  private static final class ScriptedNode implements RaftNode<String, String> {
    final Queue<Mono<String>> answers = new ArrayDeque<>();
    final List<Long> sequences = new ArrayList<>();

    ScriptedNode then(Mono<String> answer) {
      answers.add(answer);
      return this;
    }

    @Override
    public Mono<String> submit(String command, String clientId, long sequence) {
      sequences.add(sequence);
      return answers.remove();
    }

    @Override
    public String id() {
      return "n1";
    }

    @Override
    public Mono<String> submit(String command) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<String> submit(String command, Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<String> submit(String command, String clientId, long seq, Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<String> read(String query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<String> read(String query, Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Flux<LeaderChange> leaderChanges() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<RaftStatus> status() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<Long> snapshot() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Flux<RaftEvent> events() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<Void> addServer(Member member) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<Void> addLearner(Member member) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<Void> removeServer(String memberId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<Void> transferLeadership(String memberId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<Void> close() {
      throw new UnsupportedOperationException();
    }
  }

  /** What the command's Mono gave once virtual time has run out its resends. */
  private List<Object> outcome(Mono<String> mono) {
    List<Object> seen = new ArrayList<>();
    mono.subscribe(seen::add, seen::add);
    time.advanceTimeBy(Duration.ofSeconds(10));
    return seen;
  }

  @Test
  void aCommandRefusedBeforeTheLogLeavesItsNumberToTheNext() {
    node.then(Mono.error(new InvalidCommandException("too large"))).then(Mono.just("ok"));
    assertThat(outcome(session.submit("big")))
        .singleElement()
        .isInstanceOf(InvalidCommandException.class);
    assertThat(outcome(session.submit("small"))).containsExactly("ok");
    assertThat(node.sequences).containsExactly(1L, 1L);
  }

  @Test
  void aCommandAppliedWithAnErrorUsesItsNumberUp() {
    node.then(Mono.error(new IllegalStateException("the state machine said no")))
        .then(Mono.just("ok"));
    assertThat(outcome(session.submit("a")))
        .singleElement()
        .isInstanceOf(IllegalStateException.class);
    assertThat(outcome(session.submit("b"))).containsExactly("ok");
    assertThat(node.sequences).containsExactly(1L, 2L);
  }

  @Test
  void aRefusalAfterAnAttemptInDoubtIsInDoubtAndUsesTheNumberUp() {
    node.then(Mono.error(new LeadershipLostException("n1", 7, 2)))
        .then(Mono.error(new NotLeaderException("n1", null, null)))
        .then(Mono.just("ok"));
    List<Object> first = outcome(session.submit("a"));
    assertThat(first)
        .singleElement()
        .isInstanceOfSatisfying(
            OutcomeUnknownException.class,
            e -> assertThat(e).hasCauseInstanceOf(NotLeaderException.class));
    assertThat(outcome(session.submit("b"))).containsExactly("ok");
    // "a" was resent with its own number; "b" must not be taken for a resend of it.
    assertThat(node.sequences).containsExactly(1L, 1L, 2L);
  }

  @Test
  void aRefusalWithNothingInDoubtLeavesTheNumber() {
    node.then(Mono.error(new NotLeaderException("n1", null, null))).then(Mono.just("ok"));
    assertThat(outcome(session.submit("a"))).singleElement().isInstanceOf(NotLeaderException.class);
    assertThat(outcome(session.submit("b"))).containsExactly("ok");
    assertThat(node.sequences).containsExactly(1L, 1L);
  }

  @Test
  void aCancelledCommandUsesItsNumberUp() {
    node.then(Mono.never()).then(Mono.just("ok"));
    Disposable cancelled = session.submit("a").subscribe();
    cancelled.dispose(); // it may still commit
    assertThat(outcome(session.submit("b"))).containsExactly("ok");
    assertThat(node.sequences).containsExactly(1L, 2L);
  }

  @Test
  void aCommandChainedOnThePreviousOneGoesOutWithTheNextNumber() {
    node.then(Mono.just("a-done")).then(Mono.just("b-done"));
    assertThat(outcome(session.submit("a").then(session.submit("b")))).containsExactly("b-done");
    assertThat(node.sequences).containsExactly(1L, 2L);
  }

  @Test
  void aSecondCommandWhileOneIsInFlightIsRefused() {
    node.then(Mono.never());
    session.submit("a").subscribe();
    assertThat(outcome(session.submit("b")))
        .singleElement()
        .isInstanceOf(IllegalStateException.class);
    assertThat(node.sequences).containsExactly(1L);
  }
}
