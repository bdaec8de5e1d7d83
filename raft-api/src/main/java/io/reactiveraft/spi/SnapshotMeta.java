package io.reactiveraft.spi;

import io.reactiveraft.ClusterConfiguration;
import java.util.Objects;

/**
 * What a snapshot covers: the state after applying every entry up to {@code index}.
 *
 * @param index the last log index the snapshot includes (at least 1)
 * @param term the term of the entry at {@code index}
 * @param configuration the cluster configuration in force at {@code index}: the latest
 *     configuration entry at or before it, which is committed
 * @param size the length in bytes of the snapshot's data
 */
public record SnapshotMeta(long index, long term, ClusterConfiguration configuration, long size) {

  /**
   * @throws IllegalArgumentException when index or term is below 1 or size is negative
   */
  public SnapshotMeta {
    if (index < 1 || term < 1) {
      throw new IllegalArgumentException(
          "a snapshot covers index >= 1 of term >= 1: " + index + "@" + term);
    }
    if (size < 0) {
      throw new IllegalArgumentException("negative snapshot size " + size);
    }
    Objects.requireNonNull(configuration, "configuration");
  }
}
