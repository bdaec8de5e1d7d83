package io.reactiveraft.snapshot;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A {@link SnapshotStore} in memory: committed snapshots are byte arrays, and a sink that is not
 * committed leaves nothing. For tests and simulations. Nothing here dies with a simulated node:
 * handing the same instance to a node's next incarnation models snapshots that survived its crash,
 * while the sinks it was writing are simply never committed. Thread-safe; each snapshot is held
 * whole in memory, so it must fit in an array.
 */
public final class InMemorySnapshotStore implements SnapshotStore {

  private final ConcurrentSkipListMap<Long, Stored> snapshots = new ConcurrentSkipListMap<>();

  @Override
  public List<SnapshotMeta> list() {
    return snapshots.values().stream().map(Stored::meta).toList();
  }

  @Override
  public SnapshotSink create(long index, long term, ClusterConfiguration configuration) {
    // Validates index, term and configuration the way the committed description will.
    new SnapshotMeta(index, term, configuration, 0);
    return new Sink(index, term, configuration);
  }

  @Override
  public InputStream open(SnapshotMeta snapshot) throws IOException {
    return new ByteArrayInputStream(find(snapshot).data());
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when offset or length is negative
   */
  @Override
  public byte[] read(SnapshotMeta snapshot, long offset, int length) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "negative offset " + offset + " or length " + length + " into a snapshot");
    }
    byte[] data = find(snapshot).data();
    int from = (int) Math.min(offset, data.length);
    int to = (int) Math.min((long) from + length, data.length);
    return Arrays.copyOfRange(data, from, to);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when {@code keep} is negative
   */
  @Override
  public synchronized void retainNewest(int keep) {
    if (keep < 0) {
      throw new IllegalArgumentException("cannot keep " + keep + " snapshots");
    }
    while (snapshots.size() > keep) {
      snapshots.pollFirstEntry();
    }
  }

  /** Forgets the snapshot: memory is not kept for inspection. */
  @Override
  public synchronized void setAside(SnapshotMeta snapshot) {
    snapshots.remove(snapshot.index());
  }

  private Stored find(SnapshotMeta snapshot) throws IOException {
    Stored stored = snapshots.get(snapshot.index());
    if (stored == null) {
      throw new NoSuchFileException(
          "snapshot " + snapshot.index() + "@" + snapshot.term() + " is gone");
    }
    SnapshotMeta actual = stored.meta();
    if (actual.term() != snapshot.term() || actual.size() != snapshot.size()) {
      throw new IOException(
          "snapshot "
              + snapshot.index()
              + "@"
              + snapshot.term()
              + " was replaced by "
              + actual.index()
              + "@"
              + actual.term());
    }
    return stored;
  }

  /** Serialized with {@link #retainNewest} so that a commit is never half-pruned. */
  private synchronized void publish(Stored stored) {
    snapshots.put(stored.meta().index(), stored);
  }

  /** A committed snapshot; its array is never modified nor handed out. */
  private record Stored(SnapshotMeta meta, byte[] data) {}

  /** Collects the data; refuses writes once closed, committed or discarded. */
  private static final class Buffer extends OutputStream {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean closed;

    @Override
    public synchronized void write(int b) throws IOException {
      ensureOpen();
      bytes.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      ensureOpen();
      bytes.write(b, off, len);
    }

    /** Stops accepting writes, as the file store's stream does; does not commit. */
    @Override
    public synchronized void close() {
      closed = true;
    }

    synchronized byte[] toByteArray() {
      return bytes.toByteArray();
    }

    synchronized void discard() {
      closed = true;
      bytes.reset();
    }

    private void ensureOpen() throws IOException {
      if (closed) {
        throw new IOException("snapshot stream is closed");
      }
    }
  }

  private final class Sink implements SnapshotSink {

    private final long index;
    private final long term;
    private final ClusterConfiguration configuration;
    private final Buffer out = new Buffer();
    private boolean committed;
    private boolean discarded;

    Sink(long index, long term, ClusterConfiguration configuration) {
      this.index = index;
      this.term = term;
      this.configuration = configuration;
    }

    @Override
    public OutputStream out() {
      return out;
    }

    @Override
    public SnapshotMeta commit() {
      if (committed || discarded) {
        throw new IllegalStateException(
            "snapshot "
                + index
                + "@"
                + term
                + " was already "
                + (committed ? "committed" : "discarded"));
      }
      out.close();
      byte[] data = out.toByteArray();
      SnapshotMeta meta = new SnapshotMeta(index, term, configuration, data.length);
      publish(new Stored(meta, data));
      committed = true;
      return meta;
    }

    @Override
    public void close() {
      if (!committed && !discarded) {
        discarded = true;
        out.discard();
      }
    }
  }
}
