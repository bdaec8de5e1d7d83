package io.reactiveraft.sim;

import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotStore;
import io.reactiveraft.testing.ForwardingSnapshotStore;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * A snapshot store whose chunk reads now and then come back with a bit flipped, as after damage on
 * the disk or in memory since the snapshot was checked: the follower must refuse such a copy, and
 * the leader send it again. Whole reads ({@code open}) stay sound, so a recheck finds the snapshot
 * intact and the transfer completes.
 */
final class DamagingSnapshotReads extends ForwardingSnapshotStore {

  private static final double RATE = 0.05;

  private final SplittableRandom random;
  private final BooleanSupplier active;
  private final Runnable onDamage;

  /**
   * @param active whether faults are on (not after the final heal)
   * @param onDamage called for each chunk damaged
   */
  DamagingSnapshotReads(
      SnapshotStore delegate, SplittableRandom random, BooleanSupplier active, Runnable onDamage) {
    super(delegate);
    this.random = random;
    this.active = active;
    this.onDamage = onDamage;
  }

  @Override
  public byte[] read(SnapshotMeta snapshot, long offset, int length) throws IOException {
    byte[] data = super.read(snapshot, offset, length);
    if (data.length > 0 && active.getAsBoolean() && random.nextDouble() < RATE) {
      data = data.clone(); // the store's own bytes stay intact
      data[random.nextInt(data.length)] ^= (byte) (1 << random.nextInt(8));
      onDamage.run();
    }
    return data;
  }
}
