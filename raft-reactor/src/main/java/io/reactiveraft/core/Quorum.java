package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import java.util.Arrays;
import java.util.function.ToLongFunction;

/**
 * The one question a leader asks of its voters in many forms: what value has a majority reached?
 * The highest index stored on a majority is the commit index; the latest send time a majority
 * answered starts the lease; the highest request sequence a majority answered confirms reads; the
 * latest time a majority was heard from keeps check-quorum quiet.
 */
final class Quorum {

  private Quorum() {}

  /**
   * The highest value that at least a majority of {@code configuration}'s voters have reached: the
   * quorum-th largest of their values.
   *
   * @param self this node's id; its value is {@code selfValue} when it is a voter
   * @param valueOf every other voter's value, by id
   */
  static long reached(
      ClusterConfiguration configuration,
      String self,
      long selfValue,
      ToLongFunction<String> valueOf) {
    long[] values = new long[configuration.voters().size()];
    int i = 0;
    for (Member voter : configuration.voters()) {
      values[i++] = voter.id().equals(self) ? selfValue : valueOf.applyAsLong(voter.id());
    }
    Arrays.sort(values);
    return values[values.length - configuration.quorum()];
  }
}
