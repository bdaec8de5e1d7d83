package io.reactiveraft.message;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Only a batch that one leader's log could hold can be built, whatever a peer sends. */
class AppendEntriesRequestTest {

  @Test
  void consecutiveEntriesOfRisingTermsUpToTheRequestsAreAccepted() {
    assertThatCode(() -> request(3, 10, 1, LogEntry.noop(11, 1), LogEntry.noop(12, 3)))
        .doesNotThrowAnyException();
    assertThatCode(() -> request(3, 10, 1)).doesNotThrowAnyException();
  }

  @Test
  void aGapOrARepeatIsRefused() {
    assertThatThrownBy(() -> request(3, 10, 1, LogEntry.noop(12, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry 12@3 cannot follow 10@1");
    assertThatThrownBy(() -> request(3, 10, 1, LogEntry.noop(11, 3), LogEntry.noop(11, 3)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aTermThatFallsOrOutrunsTheRequestIsRefused() {
    assertThatThrownBy(() -> request(3, 10, 2, LogEntry.noop(11, 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> request(3, 10, 1, LogEntry.noop(11, 3), LogEntry.noop(12, 2)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> request(3, 10, 1, LogEntry.noop(11, 4)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static AppendEntriesRequest request(
      long term, long prevIndex, long prevTerm, LogEntry... entries) {
    return new AppendEntriesRequest("n1", "n2", term, prevIndex, prevTerm, List.of(entries), 0);
  }
}
