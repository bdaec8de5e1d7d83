package io.reactiveraft.snapshot;

import io.reactiveraft.spi.SnapshotStore;

/** The contract against the in-memory store; a restart reuses the same instance. */
class InMemorySnapshotStoreTest extends SnapshotStoreContract {

  private InMemorySnapshotStore instance;

  @Override
  SnapshotStore newStore() {
    instance = new InMemorySnapshotStore();
    return instance;
  }

  @Override
  SnapshotStore reopen() {
    return instance;
  }
}
