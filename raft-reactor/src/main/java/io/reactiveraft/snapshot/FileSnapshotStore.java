package io.reactiveraft.snapshot;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.log.Directories;
import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link SnapshotStore}: one file per snapshot in a directory of its own (or one shared
 * with other files: it touches only names starting with {@code snapshot-}).
 *
 * <h2>Files</h2>
 *
 * <ul>
 *   <li>{@code snapshot-00000000000000000042.snap}: the committed snapshot of index 42. The index
 *       has 20 digits so names sort as indexes do; a store keeps at most one snapshot per index,
 *       and committing an index again replaces its file atomically.
 *   <li>{@code snapshot-00000000000000000042-<random>.tmp}: a snapshot being written. Renamed to
 *       its final name on commit; deleted when its sink is closed uncommitted, and, as a leftover
 *       of a crash, when a store opens the directory or retains snapshots.
 * </ul>
 *
 * <h2>File format (version 1, big-endian)</h2>
 *
 * <pre>
 *   0          int   magic "RRSS"
 *   4          int   format version (1)
 *   8          long  index
 *  16          long  term
 *  24          int   configuration length n
 *  28          n     configuration ({@link io.reactiveraft.core.ConfigurationCodec})
 *  28+n        int   CRC32C of the header before it (bytes [0, 28+n))
 *  32+n        len   data
 *  32+n+len    long  data length len
 *  40+n+len    int   CRC32C of everything before it (bytes [0, 40+n+len))
 * </pre>
 *
 * <p>The data length is known only at commit, so it is in the trailer: the file is written front to
 * back in one pass, and the CRC32C accumulates as the data streams through. The header has a CRC of
 * its own so {@link #list()} can trust a snapshot's index, term and configuration after reading a
 * few hundred bytes. A file is listed when its header is intact and the length in its trailer
 * accounts exactly for the file's size (a truncated file fails that); {@link #list()} does not read
 * the data, so a flipped data bit is found by {@link #open(SnapshotMeta)}'s stream, at its end.
 *
 * <h2>Durability</h2>
 *
 * A commit writes the trailer, forces the file, renames it to its final name with {@link
 * StandardCopyOption#ATOMIC_MOVE} and forces the directory. A crash before the rename leaves only a
 * temporary file; after it, the complete snapshot. Deletions force the directory too.
 *
 * <p>One store per directory: another store on the same directory would take this one's temporary
 * files for leftovers of a crash and delete them.
 *
 * <p>Threading: safe for concurrent use. Commits and {@link #retainNewest} are serialized; reads
 * run concurrently with both (a reader keeps the file it opened even when it is replaced or
 * deleted). {@link #read} reopens the file per call and checks its index, term and size against the
 * description it is given, but does not verify the CRC: a chunk cannot. The node reads a snapshot
 * whole through {@link #open}, which does, the first time it sends from it.
 */
public final class FileSnapshotStore implements SnapshotStore {

  private static final Logger log = LoggerFactory.getLogger(FileSnapshotStore.class);

  private final Path directory;

  /** Serializes the changes to the directory: commits' renames and retention's deletions. */
  private final Object changes = new Object();

  /** Temporary files of sinks still writing, which retention must not take for leftovers. */
  private final Set<Path> writing = ConcurrentHashMap.newKeySet();

  private FileSnapshotStore(Path directory) {
    this.directory = directory;
  }

  /**
   * Opens the store in {@code directory}, creating the directory if missing, and deletes the
   * temporary files a crash left there.
   *
   * @throws UncheckedIOException naming the directory when it is not a directory, cannot be created
   *     or written, or its leftovers cannot be deleted
   */
  public static FileSnapshotStore open(Path directory) {
    Path absolute = Directories.openWritable(directory, "snapshot");
    FileSnapshotStore store = new FileSnapshotStore(absolute);
    try {
      if (store.deleteLeftovers()) {
        Directories.sync(absolute);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          new IOException("cannot delete incomplete snapshots in " + absolute + ": " + e, e));
    }
    store.warnAboutDamagedFiles();
    return store;
  }

  /** The directory this store keeps its files in, absolute. */
  public Path directory() {
    return directory;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads each file's header and trailer only. Files that are truncated or whose header is
   * damaged are skipped.
   *
   * @throws UncheckedIOException when the directory cannot be listed
   */
  @Override
  public List<SnapshotMeta> list() {
    List<SnapshotMeta> snapshots = new ArrayList<>();
    for (Path path : snapshotFiles().values()) {
      try {
        snapshots.add(describe(path).meta());
      } catch (NoSuchFileException e) {
        // Deleted by retention since the directory was listed.
      } catch (IOException e) {
        log.debug("not listing {}", path, e);
      }
    }
    return snapshots;
  }

  @Override
  public SnapshotSink create(long index, long term, ClusterConfiguration configuration)
      throws IOException {
    // Validates index, term and configuration the way the committed description will.
    new SnapshotMeta(index, term, configuration, 0);
    Path temp;
    synchronized (changes) {
      // Registered under the lock so that retention never sees it unregistered.
      temp = newTempFile(index);
      writing.add(temp);
    }
    try {
      return FileSnapshotSink.start(this, temp, index, term, configuration);
    } catch (IOException | RuntimeException e) {
      writing.remove(temp);
      throw e;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Streams the data from the file through a 64 KiB buffer, whatever the snapshot's size.
   *
   * @throws IOException also when the file now holds another snapshot of the same index
   */
  @Override
  public InputStream open(SnapshotMeta snapshot) throws IOException {
    Path path = pathOf(snapshot);
    FileChannel channel = openExisting(path, snapshot);
    try {
      SnapshotFileFormat.Described described = describeMatching(channel, path, snapshot);
      return new VerifyingSnapshotInput(channel, path, described);
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel, e);
      throw e;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Does not verify the CRC (see the class description). An offset at or after the end gives an
   * empty array.
   *
   * @throws IllegalArgumentException when offset or length is negative
   */
  @Override
  public byte[] read(SnapshotMeta snapshot, long offset, int length) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "negative offset " + offset + " or length " + length + " into a snapshot");
    }
    Path path = pathOf(snapshot);
    try (FileChannel channel = openExisting(path, snapshot)) {
      SnapshotFileFormat.Described described = describeMatching(channel, path, snapshot);
      int n = (int) Math.max(0, Math.min(length, snapshot.size() - offset));
      byte[] chunk = new byte[n];
      if (n > 0) {
        SnapshotFileFormat.readFully(
            channel, described.dataStart() + offset, ByteBuffer.wrap(chunk), path);
      }
      return chunk;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Counts only snapshots {@link #list()} would show. Every other snapshot file below the oldest
   * one kept goes too, damaged or not; a damaged file above it stays for inspection (it is never
   * listed, and a commit of its index replaces it). Temporary files of sinks still writing are left
   * alone.
   *
   * @throws IllegalArgumentException when {@code keep} is negative
   */
  @Override
  public void retainNewest(int keep) throws IOException {
    if (keep < 0) {
      throw new IllegalArgumentException("cannot keep " + keep + " snapshots");
    }
    synchronized (changes) {
      boolean deleted = deleteLeftovers();
      List<Long> intact = new ArrayList<>();
      TreeMap<Long, Path> files = snapshotFiles();
      for (var file : files.entrySet()) {
        if (isIntact(file.getValue())) {
          intact.add(file.getKey());
        }
      }
      SortedMap<Long, Path> doomed;
      if (keep == 0) {
        doomed = files;
      } else if (intact.isEmpty()) {
        doomed = Collections.emptySortedMap();
      } else {
        doomed = files.headMap(intact.get(Math.max(0, intact.size() - keep)));
      }
      for (Path path : doomed.values()) {
        Files.deleteIfExists(path);
        deleted = true;
      }
      if (deleted) {
        Directories.sync(directory);
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Renames the file to {@code <name>.damaged}, which no listing and no retention touches; an
   * earlier one of that name is replaced.
   */
  @Override
  public void setAside(SnapshotMeta snapshot) throws IOException {
    Path path = pathOf(snapshot);
    synchronized (changes) {
      Files.move(
          path,
          path.resolveSibling(path.getFileName() + SnapshotFileFormat.DAMAGED_SUFFIX),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      Directories.sync(directory);
    }
  }

  /**
   * Publishes a sink's complete, forced temporary file under its final name, replacing a snapshot
   * of the same index. When the directory cannot be forced the snapshot is deleted again, so that
   * nothing is listed that a crash could take back.
   */
  void publish(Path temp, long index) throws IOException {
    Path target = directory.resolve(SnapshotFileFormat.fileName(index));
    try {
      synchronized (changes) {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try {
          Directories.sync(directory);
        } catch (IOException e) {
          try {
            Files.deleteIfExists(target);
          } catch (IOException suppressed) {
            e.addSuppressed(suppressed);
          }
          throw new IOException("cannot make snapshot " + target + " durable: " + e, e);
        }
      }
    } finally {
      writing.remove(temp);
    }
  }

  /**
   * Creates an empty temporary file with a name no other sink has. Not {@link
   * Files#createTempFile}: its owner-only permissions would stay with the snapshot after the
   * rename, unlike the log's files.
   */
  private Path newTempFile(long index) throws IOException {
    while (true) {
      String unique = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
      Path temp =
          directory.resolve(
              SnapshotFileFormat.tempPrefix(index) + unique + SnapshotFileFormat.TEMP_SUFFIX);
      try {
        return Files.createFile(temp);
      } catch (FileAlreadyExistsException e) {
        // Another sink drew the same name; draw again.
      }
    }
  }

  /** A sink discarded its temporary file. */
  void forget(Path temp) {
    writing.remove(temp);
  }

  private Path pathOf(SnapshotMeta snapshot) {
    return directory.resolve(SnapshotFileFormat.fileName(snapshot.index()));
  }

  private static FileChannel openExisting(Path path, SnapshotMeta snapshot) throws IOException {
    try {
      return FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          path.toString(),
          null,
          "snapshot " + snapshot.index() + "@" + snapshot.term() + " is gone");
    }
  }

  private static SnapshotFileFormat.Described describeMatching(
      FileChannel channel, Path path, SnapshotMeta expected) throws IOException {
    SnapshotFileFormat.Described described = SnapshotFileFormat.describe(channel, path);
    SnapshotMeta actual = described.meta();
    if (actual.index() != expected.index()
        || actual.term() != expected.term()
        || actual.size() != expected.size()) {
      throw new IOException(
          path
              + " holds snapshot "
              + actual.index()
              + "@"
              + actual.term()
              + " of "
              + actual.size()
              + " bytes, not "
              + expected.index()
              + "@"
              + expected.term()
              + " of "
              + expected.size()
              + ": it was replaced");
    }
    return described;
  }

  private SnapshotFileFormat.Described describe(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      SnapshotFileFormat.Described described = SnapshotFileFormat.describe(channel, path);
      long named = SnapshotFileFormat.index(path.getFileName().toString());
      if (described.meta().index() != named) {
        throw new IOException(
            path + " holds the snapshot of index " + described.meta().index() + ", not " + named);
      }
      return described;
    }
  }

  private boolean isIntact(Path path) {
    try {
      describe(path);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The snapshot files by index, whether intact or not. */
  private TreeMap<Long, Path> snapshotFiles() {
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path path : stream) {
        long index = SnapshotFileFormat.index(path.getFileName().toString());
        if (index > 0) {
          files.put(index, path);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          new IOException("cannot list snapshot directory " + directory + ": " + e, e));
    }
    return files;
  }

  /**
   * Deletes temporary files no sink is writing, without forcing the directory; true when it deleted
   * any.
   */
  private boolean deleteLeftovers() throws IOException {
    List<Path> leftovers = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path path : stream) {
        if (SnapshotFileFormat.isTempName(path.getFileName().toString())
            && !writing.contains(path)) {
          leftovers.add(path);
        }
      }
    }
    Collections.sort(leftovers);
    for (Path path : leftovers) {
      log.info("deleting {}, a snapshot left incomplete by a crash", path);
      Files.deleteIfExists(path);
    }
    return !leftovers.isEmpty();
  }

  private void warnAboutDamagedFiles() {
    for (Path path : snapshotFiles().values()) {
      try {
        describe(path);
      } catch (IOException e) {
        log.warn("ignoring damaged snapshot file: {}", e.getMessage());
      }
    }
  }

  private static void closeQuietly(FileChannel channel, Exception cause) {
    try {
      channel.close();
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }
}
