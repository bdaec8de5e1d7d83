package io.reactiveraft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The files of one log directory: creation, renaming and deletion of its entries, and the fsync of
 * the directory itself that makes those changes durable (etcd issue 6368: a created segment whose
 * directory entry was never synced can vanish after a power loss).
 *
 * <p>Tests replace the production {@link MappedStorageDirectory} with a model of a page cache and a
 * directory whose unsynced changes a crash may lose.
 *
 * <p>Threading: every method may be called from any thread. After open, the store creates, renames
 * and deletes files on its IO thread, except for the spare segment ({@link SpareSegment}), which a
 * thread of its own deletes, creates and forces while the IO thread goes on.
 */
interface StorageDirectory {

  /** Suffix of files being created; never part of the log. */
  String TEMP_SUFFIX = ".tmp";

  /** A human-readable location of {@code name}, for error messages (e.g. its absolute path). */
  String describe(String name);

  /** The names of the files in the directory, sorted; subdirectories are not listed. */
  List<String> list() throws IOException;

  /**
   * Creates the file {@code name} of {@code size} bytes, really allocated (zero-filled by writes,
   * never a sparse file, so the file system has reserved its blocks); its directory entry is
   * durable only after {@link #syncDirectory}. A full disk fails here with an {@link IOException},
   * never later in a write or with a SIGBUS on a mapped read.
   *
   * @throws IOException when it exists already or the space cannot be allocated
   */
  StorageFile create(String name, int size) throws IOException;

  /** Opens the existing file {@code name}. */
  StorageFile open(String name) throws IOException;

  /** Atomically renames {@code from} to {@code to}, replacing {@code to} if it exists. */
  void rename(String from, String to) throws IOException;

  /** Deletes {@code name}; its mapping, if any, must have been released or be released later. */
  void delete(String name) throws IOException;

  /** Makes every earlier creation, rename and deletion in the directory durable. */
  void syncDirectory() throws IOException;

  /**
   * Creates {@code name} so that a file of that name is always complete: allocated under {@code
   * name + ".tmp"}, then {@link #install installed}. A crash leaves at most the temporary file,
   * which the store deletes at open.
   */
  default StorageFile createDurably(String name, int size, ByteBuffer head) throws IOException {
    String temp = name + TEMP_SUFFIX;
    delete(temp);
    return install(create(temp, size), temp, name, head);
  }

  /**
   * Gives {@code file}, allocated by {@link #create} under the temporary name {@code temp}, its
   * real name durably: {@code head} written at offset 0 and forced, the file renamed to {@code
   * name}, and the directory synced. The zeros after the head need no force here: after a crash,
   * bytes never forced read back as zeros in a new file. On failure the file is closed, under its
   * temporary name, or under {@code name} when only the directory sync failed (recovery takes such
   * a file for an empty segment).
   */
  default StorageFile install(StorageFile file, String temp, String name, ByteBuffer head)
      throws IOException {
    try {
      int length = head.remaining();
      file.write(0, head);
      file.force(0, length);
      rename(temp, name);
      syncDirectory();
      return file.renamed(name);
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }

  /** Releases the directory (its lock). */
  void close();
}
