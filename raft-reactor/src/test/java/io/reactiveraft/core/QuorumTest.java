package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuorumTest {

  private static ClusterConfiguration voters(String... ids) {
    return new ClusterConfiguration(
        List.of(ids).stream().map(id -> new Member(id, id + ":1")).toList(), List.of());
  }

  @Test
  void threeVotersReachWhatTheSecondHighestReached() {
    Map<String, Long> others = Map.of("b", 7L, "c", 3L);
    assertThat(Quorum.reached(voters("a", "b", "c"), "a", 5, others::get)).isEqualTo(5);
    assertThat(Quorum.reached(voters("a", "b", "c"), "a", 9, others::get)).isEqualTo(7);
    assertThat(Quorum.reached(voters("a", "b", "c"), "a", 1, others::get)).isEqualTo(3);
  }

  @Test
  void fourVotersNeedThree() {
    Map<String, Long> others = Map.of("b", 8L, "c", 6L, "d", 2L);
    assertThat(Quorum.reached(voters("a", "b", "c", "d"), "a", 9, others::get)).isEqualTo(6);
  }

  @Test
  void aNodeThatIsNoVoterDoesNotCount() {
    // A leader removing itself: its own value is left out, the voters decide alone.
    Map<String, Long> others = Map.of("b", 4L, "c", 2L, "d", 1L);
    assertThat(Quorum.reached(voters("b", "c", "d"), "a", 100, others::get)).isEqualTo(2);
  }

  @Test
  void aSingleVoterReachesItsOwnValue() {
    assertThat(Quorum.reached(voters("a"), "a", 42, id -> 0)).isEqualTo(42);
  }
}
