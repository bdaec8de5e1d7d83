package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.rsocket.Payload;
import io.rsocket.util.ByteBufPayload;
import io.rsocket.util.DefaultPayload;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;

/** The bookkeeping of AppendEntries requests whose responses wait for the follower's answer. */
class OpenExchangesTest {

  private final OpenExchanges exchanges = new OpenExchanges();

  private static AppendEntriesRequest append(long sequence) {
    return new AppendEntriesRequest("a", "b", 2, 0, 0, List.of(), 0, sequence);
  }

  private static AppendEntriesResponse answer(long sequence) {
    return new AppendEntriesResponse("b", "a", 2, true, 0, 0, 0, sequence);
  }

  @Test
  void aRequestWhoseRequesterStopsWaitingIsForgotten() {
    Disposable waiting = exchanges.open(append(1)).response().subscribe();
    assertThat(exchanges.openCount()).isEqualTo(1);

    waiting.dispose();

    assertThat(exchanges.openCount()).isZero();
    assertThat(exchanges.answer(answer(1), () -> DefaultPayload.create("x"))).isFalse();
  }

  @Test
  void aRefusedRequestIsForgotten() {
    exchanges.open(append(1)).abandon();
    assertThat(exchanges.openCount()).isZero();
  }

  @Test
  void anAnswerThatCannotBeEncodedEmptiesItsCarrierAndFailsTheSend() {
    OpenExchanges.Exchange open = exchanges.open(append(1));
    assertThatThrownBy(
            () ->
                exchanges.answer(
                    answer(1),
                    () -> {
                      throw new IllegalArgumentException("too large");
                    }))
        .hasMessage("too large");
    assertThat(open.response().block(Duration.ofSeconds(1))).as("completed empty").isNull();
    assertThat(exchanges.openCount()).isZero();
  }

  @Test
  void anAnswerWhoseRequesterGivesUpAsItIsEncodedIsReleasedAndLeftToGoOnItsOwn() {
    OpenExchanges.Exchange open = exchanges.open(append(1));
    Disposable waiting = open.response().subscribe();
    Payload payload = ByteBufPayload.create("answer");
    boolean sent =
        exchanges.answer(
            answer(1),
            () -> {
              waiting.dispose(); // the requester's cancel, between taking the request and sending
              return payload;
            });
    assertThat(sent).as("not carried, so the caller sends it as a request").isFalse();
    assertThat(payload.refCnt()).as("released, once").isZero();
  }

  @Test
  void anAnswerGivenBeforeARequesterThatAlreadyGaveUpSubscribesIsReleased() {
    OpenExchanges.Exchange open = exchanges.open(append(1));
    Payload payload = ByteBufPayload.create("answer");
    assertThat(exchanges.answer(answer(1), () -> payload)).isTrue();
    open.response()
        .subscribe(
            new BaseSubscriber<Payload>() {
              @Override
              protected void hookOnSubscribe(Subscription subscription) {
                cancel();
              }
            });
    assertThat(payload.refCnt()).as("released, once").isZero();
  }

  @Test
  void aDeliveredAnswerIsTheSubscribersToRelease() {
    OpenExchanges.Exchange open = exchanges.open(append(1));
    Payload payload = ByteBufPayload.create("answer");
    List<Payload> received = new java.util.ArrayList<>();
    Disposable waiting = open.response().subscribe(received::add);
    assertThat(exchanges.answer(answer(1), () -> payload)).isTrue();
    waiting.dispose();
    assertThat(received).containsExactly(payload);
    assertThat(payload.refCnt()).isEqualTo(1);
    payload.release();
  }

  @Test
  void aResponseHasOneSubscriber() {
    OpenExchanges.Exchange open = exchanges.open(append(1));
    open.response().subscribe();
    // The refusal itself, not block()'s own timeout, which is an IllegalStateException too.
    assertThatThrownBy(() -> open.response().block(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a response has one subscriber");
  }

  @Test
  void anAnswerGivenBeforeTheResponseIsSubscribedIsKept() {
    OpenExchanges.Exchange open = exchanges.open(append(1));
    Payload payload = DefaultPayload.create("answer");
    assertThat(exchanges.answer(answer(1), () -> payload)).isTrue();
    assertThat(open.response().block(Duration.ofSeconds(1))).isSameAs(payload);
  }
}
