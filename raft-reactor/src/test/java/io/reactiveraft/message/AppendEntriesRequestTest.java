package io.reactiveraft.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which batches one leader's log could hold: the rest a transport refuses and a core ignores. */
class AppendEntriesRequestTest {

  @Test
  void consecutiveEntriesOfRisingTermsUpToTheRequestsAreWellFormed() {
    assertThat(request(3, 10, 1, LogEntry.noop(11, 1), LogEntry.noop(12, 3)).wellFormed()).isTrue();
    assertThat(request(3, 10, 1).wellFormed()).as("a heartbeat").isTrue();
  }

  @Test
  void aGapOrARepeatIsNot() {
    assertThat(request(3, 10, 1, LogEntry.noop(12, 3)).wellFormed()).isFalse();
    assertThat(request(3, 10, 1, LogEntry.noop(11, 3), LogEntry.noop(11, 3)).wellFormed())
        .isFalse();
  }

  @Test
  void aTermThatFallsOrOutrunsTheRequestIsNot() {
    assertThat(request(3, 10, 2, LogEntry.noop(11, 1)).wellFormed()).isFalse();
    assertThat(request(3, 10, 1, LogEntry.noop(11, 3), LogEntry.noop(12, 2)).wellFormed())
        .isFalse();
    assertThat(request(3, 10, 1, LogEntry.noop(11, 4)).wellFormed()).isFalse();
  }

  private static AppendEntriesRequest request(
      long term, long prevIndex, long prevTerm, LogEntry... entries) {
    return new AppendEntriesRequest("n1", "n2", term, prevIndex, prevTerm, List.of(entries), 0);
  }
}
