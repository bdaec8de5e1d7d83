package io.reactiveraft.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real directory of memory-mapped files (read through the mapping, written with positional
 * writes, see {@link MappedStorageFile}), locked against a second store (in this process or
 * another) for as long as it is open.
 */
final class MappedStorageDirectory implements StorageDirectory {

  static final String LOCK_FILE = "LOCK";

  /** Zeros written to allocate files; read-only and shared, each use takes a duplicate. */
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

  /** The directories this JVM holds open, by real path. */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path dir;
  private final MappedLogOptions.ForceHook forceHook;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Path heldKey;

  private MappedStorageDirectory(
      Path dir,
      MappedLogOptions.ForceHook forceHook,
      FileChannel lockChannel,
      FileLock lock,
      Path heldKey) {
    this.dir = dir;
    this.forceHook = forceHook;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.heldKey = heldKey;
  }

  /** The same directory by any path (a symbolic link, a relative one) is one key. */
  private static Path heldKey(Path absolute) {
    try {
      return absolute.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Opens (creating it if missing) and locks {@code dir}.
   *
   * @throws UncheckedIOException naming the directory when it cannot be created or written, or
   *     another store holds it
   */
  static MappedStorageDirectory open(Path dir, MappedLogOptions.ForceHook forceHook) {
    Path absolute = Directories.openWritable(dir, "log");
    Path key = heldKey(absolute);
    // Checked before the lock file is opened: POSIX drops all of a process's locks on a file when
    // any descriptor of it closes, so a second open in this JVM that opened the file, found it
    // locked and closed it again would silently unlock the first store's directory.
    if (!HELD.add(key)) {
      throw new UncheckedIOException(
          new IOException("log directory " + absolute + " is already open in this JVM"));
    }
    FileChannel channel = null;
    boolean opened = false;
    try {
      channel =
          FileChannel.open(
              absolute.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw new IOException("log directory " + absolute + " is in use by another process");
      }
      opened = true;
      return new MappedStorageDirectory(absolute, forceHook, channel, lock, key);
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      throw new UncheckedIOException(
          new IOException("log directory " + absolute + " is already open in this JVM", e));
    } catch (FileSystemException e) {
      closeQuietly(channel);
      throw new UncheckedIOException(
          new IOException("log directory " + absolute + " cannot be written: " + e, e));
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException(e);
    } finally {
      if (!opened) {
        HELD.remove(key);
      }
    }
  }

  @Override
  public String describe(String name) {
    return dir.resolve(name).toString();
  }

  @Override
  public List<String> list() throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        // Directories beside the log (an application's snapshots, say) are none of its files.
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          names.add(p.getFileName().toString());
        }
      }
    }
    Collections.sort(names);
    return names;
  }

  @Override
  public StorageFile create(String name, int size) throws IOException {
    Path path = dir.resolve(name);
    FileChannel channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      // Write every byte: setLength would leave a sparse file whose blocks are allocated only
      // when a page is written back, so a full disk would surface late and a force would have
      // block allocation to commit.
      long position = 0;
      while (position < size) {
        ByteBuffer zeros = ZEROS.duplicate();
        zeros.limit((int) Math.min(zeros.capacity(), size - position));
        while (zeros.hasRemaining()) {
          position += channel.write(zeros, position);
        }
      }
      return new MappedStorageFile(name, channel, readOnlyMapping(channel, size), forceHook);
    } catch (IOException e) {
      closeQuietly(channel);
      try {
        Files.deleteIfExists(path);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IOException("cannot allocate " + size + " bytes for " + path + ": " + e, e);
    }
  }

  @Override
  public StorageFile open(String name) throws IOException {
    Path path = dir.resolve(name);
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      long size = channel.size();
      if (size > Integer.MAX_VALUE) {
        throw new IOException(path + " is larger than 2 GiB and cannot be mapped whole");
      }
      return new MappedStorageFile(name, channel, readOnlyMapping(channel, size), forceHook);
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private static MappedByteBuffer readOnlyMapping(FileChannel channel, long size)
      throws IOException {
    return channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
  }

  @Override
  public void rename(String from, String to) throws IOException {
    Files.move(
        dir.resolve(from),
        dir.resolve(to),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void delete(String name) throws IOException {
    Files.deleteIfExists(dir.resolve(name));
  }

  @Override
  public void syncDirectory() throws IOException {
    forceHook.beforeForce(dir.getFileName() == null ? dir.toString() : dir.getFileName() + "/");
    Directories.sync(dir);
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // Closing the channel below releases it anyway.
    }
    closeQuietly(lockChannel);
    HELD.remove(heldKey);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing left to release
      }
    }
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
