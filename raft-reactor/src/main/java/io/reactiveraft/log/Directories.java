package io.reactiveraft.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The directories the library's stores keep their files in: created durably, and forced. */
public final class Directories {

  private Directories() {}

  /**
   * Returns {@code directory} as an absolute path, creating it (and forcing its parent, so the new
   * entry survives a crash) when it is missing.
   *
   * @param what what the directory holds, for error messages ("log", "snapshot")
   * @throws UncheckedIOException naming the directory when it is not a directory, cannot be
   *     created, or cannot be written
   */
  public static Path openWritable(Path directory, String what) {
    Path absolute = directory.toAbsolutePath();
    if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
      throw new UncheckedIOException(
          new NotDirectoryException(absolute + ": " + what + " directory is not a directory"));
    }
    try {
      if (!Files.isDirectory(absolute)) {
        Files.createDirectories(absolute);
        Path parent = absolute.getParent();
        if (parent != null) {
          sync(parent);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          new IOException("cannot create " + what + " directory " + absolute + ": " + e, e));
    }
    if (!Files.isWritable(absolute)) {
      throw new UncheckedIOException(
          new AccessDeniedException(
              absolute.toString(), null, what + " directory is not writable"));
    }
    return absolute;
  }

  /**
   * Forces a directory, so that the entries created, renamed or deleted in it survive a crash. On
   * Linux, opening a directory for reading and forcing it is an fsync of the directory.
   *
   * @throws IOException when it fails: what needed it cannot be made durable
   */
  public static void sync(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
