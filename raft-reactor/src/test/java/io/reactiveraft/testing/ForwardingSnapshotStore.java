package io.reactiveraft.testing;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** A snapshot store that hands every call to another; tests override the calls they watch. */
public class ForwardingSnapshotStore implements SnapshotStore {

  protected final SnapshotStore delegate;

  public ForwardingSnapshotStore(SnapshotStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public List<SnapshotMeta> list() {
    return delegate.list();
  }

  @Override
  public SnapshotSink create(long index, long term, ClusterConfiguration configuration)
      throws IOException {
    return delegate.create(index, term, configuration);
  }

  @Override
  public InputStream open(SnapshotMeta snapshot) throws IOException {
    return delegate.open(snapshot);
  }

  @Override
  public byte[] read(SnapshotMeta snapshot, long offset, int length) throws IOException {
    return delegate.read(snapshot, offset, length);
  }

  @Override
  public void retainNewest(int keep) throws IOException {
    delegate.retainNewest(keep);
  }

  @Override
  public void setAside(SnapshotMeta snapshot) throws IOException {
    delegate.setAside(snapshot);
  }
}
