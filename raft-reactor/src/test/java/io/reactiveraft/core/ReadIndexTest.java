package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A leader's reads: held until its term commits, then confirmed by a round of answers. */
class ReadIndexTest {

  private final ReadIndex reads = new ReadIndex();
  private final Map<Long, Long> answered = new LinkedHashMap<>();

  @Test
  void aReadBeforeTheTermCommitsStartsNoRoundUntilItDoes() {
    reads.awaitTermCommit(new ReadIndex.Read(1, null));

    assertThat(reads.startRound(false, 5, 10)).isFalse();
    assertThat(reads.inRound()).isFalse();
    assertThat(reads.startRound(true, 7, 11)).isTrue();

    reads.confirm(11, (read, index) -> answered.put(read.requestId(), index));
    assertThat(answered).containsExactly(Map.entry(1L, 7L));
    assertThat(reads.isEmpty()).isTrue();
  }

  @Test
  void onlyAnswersToTheRoundOrLaterConfirmARead() {
    reads.awaitRound(new ReadIndex.Read(1, "n2"));
    assertThat(reads.startRound(true, 4, 20)).isTrue();
    reads.awaitRound(new ReadIndex.Read(2, null));
    assertThat(reads.startRound(true, 6, 21)).isTrue();

    reads.confirm(19, (read, index) -> answered.put(read.requestId(), index));
    assertThat(answered).isEmpty();
    reads.confirm(20, (read, index) -> answered.put(read.requestId(), index));
    assertThat(answered).containsExactly(Map.entry(1L, 4L));
    assertThat(reads.inRound()).isTrue();

    assertThat(reads.all()).extracting(ReadIndex.Read::requestId).containsExactly(2L);
  }
}
