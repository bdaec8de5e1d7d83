package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.Member;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.RaftMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A follower's answer to AppendEntries travels back as the RSocket response to the request it
 * answers, when one is open; otherwise as a request of its own. Real connections on 127.0.0.1.
 */
class AnswerOnRequestTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Member a = new Member("a", Loopback.freeAddress());
  private final Member b = new Member("b", Loopback.freeAddress());
  private final List<RSocketTransport> transports = new ArrayList<>();
  private BlockingQueue<RaftMessage> atA;
  private BlockingQueue<RaftMessage> atB;
  private RSocketTransport leader;
  private RSocketTransport follower;

  private void startBoth() {
    atA = start(a, b);
    atB = start(b, a);
    leader = transports.get(0);
    follower = transports.get(1);
  }

  private BlockingQueue<RaftMessage> start(Member self, Member peer) {
    // The leader's requests must stay open until the follower answers them, however slow the
    // machine: an answer that finds its request timed out travels as a request of its own.
    RSocketTransport transport = TestTransports.builder().requestTimeout(TIMEOUT).build();
    transports.add(transport);
    BlockingQueue<RaftMessage> inbox = new LinkedBlockingQueue<>();
    transport.start(self, List.of(peer)).subscribe(inbox::add);
    return inbox;
  }

  @AfterEach
  void close() {
    transports.forEach(t -> t.close().block(TIMEOUT));
  }

  private static RaftMessage next(BlockingQueue<RaftMessage> inbox) throws InterruptedException {
    RaftMessage m = inbox.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(m).as("a message within %s", TIMEOUT).isNotNull();
    return m;
  }

  private static AppendEntriesRequest append(long term, long sequence) {
    return new AppendEntriesRequest("a", "b", term, 0, 0, List.of(), 0, sequence);
  }

  private static AppendEntriesResponse answer(long term, long matchIndex, long sequence) {
    return new AppendEntriesResponse("b", "a", term, true, matchIndex, 0, 0, sequence);
  }

  @Test
  void anAnswerRidesOnTheRequestItAnswers() throws InterruptedException {
    startBoth();
    leader.send(append(3, 10));
    assertThat(next(atB)).isEqualTo(append(3, 10));

    follower.send(answer(3, 5, 10));

    assertThat(next(atA)).isEqualTo(answer(3, 5, 10));
    assertThat(follower.stats().answered()).isEqualTo(1);
    assertThat(follower.stats().sent()).as("no request of its own").isZero();
    Await.until(() -> leader.stats().acknowledged() == 1, TIMEOUT, "the request completed");
    assertThat(leader.stats().failed()).isZero();
  }

  @Test
  void aCumulativeAnswerRidesOnTheNewestRequestItCoversAndCompletesTheOlderOnes()
      throws InterruptedException {
    startBoth();
    for (long sequence = 1; sequence <= 3; sequence++) {
      leader.send(append(3, sequence));
      assertThat(next(atB)).isEqualTo(append(3, sequence));
    }

    follower.send(answer(3, 7, 2));
    assertThat(next(atA)).isEqualTo(answer(3, 7, 2));
    Await.until(
        () -> leader.stats().acknowledged() == 2, TIMEOUT, "requests 1 and 2 completed at once");

    follower.send(answer(3, 9, 3));
    assertThat(next(atA)).isEqualTo(answer(3, 9, 3));
    Await.until(() -> leader.stats().acknowledged() == 3, TIMEOUT, "request 3 completed");
    assertThat(follower.stats().answered()).isEqualTo(2);
    assertThat(follower.stats().sent()).isZero();
  }

  @Test
  void anAnswerWithNoRequestOpenToCarryItTravelsAsARequest() throws InterruptedException {
    startBoth();
    follower.send(answer(3, 1, 4));
    assertThat(next(atA)).isEqualTo(answer(3, 1, 4));

    leader.send(append(3, 10));
    assertThat(next(atB)).isEqualTo(append(3, 10));
    follower.send(answer(4, 1, 10)); // a later term than the request's: not its answer
    assertThat(next(atA)).isEqualTo(answer(4, 1, 10));
    follower.send(answer(3, 1, 9)); // older than the open request
    assertThat(next(atA)).isEqualTo(answer(3, 1, 9));

    assertThat(follower.stats().answered()).isZero();
    Await.until(() -> follower.stats().acknowledged() == 3, TIMEOUT, "three requests of its own");
    assertThat(leader.stats().acknowledged()).as("the request still waits for its answer").isZero();
  }
}
