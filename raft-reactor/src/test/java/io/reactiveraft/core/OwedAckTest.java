package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.message.AppendEntriesResponse;
import org.junit.jupiter.api.Test;

/** A follower acknowledges only what is durable, answering late requests together. */
class OwedAckTest {

  private final OwedAck owed = new OwedAck();

  @Test
  void nothingOwedMeansNoAcknowledgement() {
    assertThat(owed.dueAt("n2", 1, 10)).isNull();
  }

  @Test
  void acknowledgesAsMuchAsIsDurableAndKeepsOwingTheRest() {
    owed.owe("n1", 5, 7);
    owed.owe("n1", 9, 8);

    assertThat(owed.dueAt("n2", 3, 6))
        .isEqualTo(new AppendEntriesResponse("n2", "n1", 3, true, 6, 0, 0, 8));
    assertThat(owed.dueAt("n2", 3, 9))
        .isEqualTo(new AppendEntriesResponse("n2", "n1", 3, true, 9, 0, 0, 8));
    assertThat(owed.dueAt("n2", 3, 12)).isNull();
  }

  @Test
  void aForgottenDebtIsNeitherSentNorEchoedToTheNextLeader() {
    owed.owe("n1", 5, 40);
    owed.forget();
    owed.owe("n3", 6, 2);

    assertThat(owed.dueAt("n2", 4, 6))
        .isEqualTo(new AppendEntriesResponse("n2", "n3", 4, true, 6, 0, 0, 2));
  }
}
