package io.reactiveraft.spi;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A snapshot being written: its data goes to {@link #out()}, then {@link #commit()} makes it
 * durable and visible at once. Until then no reader, and no restart, sees it. Used by one thread at
 * a time.
 */
public interface SnapshotSink extends Closeable {

  /** Where the snapshot's data is written. Closing it does not commit. */
  OutputStream out();

  /**
   * Makes the snapshot durable (data and directory entry) and lists it in {@link
   * SnapshotStore#list()}. Returns its description, with the size written.
   *
   * @throws IOException when it cannot be made durable: the snapshot is then discarded
   */
  SnapshotMeta commit() throws IOException;

  /** Discards the snapshot unless it was committed. Idempotent. */
  @Override
  void close();
}
