/**
 * Snapshot stores: {@link io.reactiveraft.snapshot.FileSnapshotStore}, the durable default that
 * keeps one checksummed file per snapshot, and {@link
 * io.reactiveraft.snapshot.InMemorySnapshotStore} for tests and simulations. Both implement {@link
 * io.reactiveraft.spi.SnapshotStore}; the file layout and the durability steps are described on
 * {@code FileSnapshotStore}.
 */
package io.reactiveraft.snapshot;
