package io.reactiveraft.log;

/**
 * The log directory holds damage that cannot be a torn write: a checksum failure or a gap at or
 * below the durable watermark, a damaged segment header there, or a metadata file with no valid
 * slot. The store refuses to open rather than silently drop entries it acknowledged as durable.
 *
 * <p>An {@link IllegalStateException}, so that {@code ReactiveRaft.start} reports it as stored
 * state that cannot be read.
 */
public final class LogCorruptedException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final String file;
  private final long offset;

  LogCorruptedException(String file, long offset, String reason) {
    super("log corrupted in " + file + " at offset " + offset + ": " + reason);
    this.file = file;
    this.offset = offset;
  }

  /** The damaged file (a path, or the directory when a file is missing). */
  public String file() {
    return file;
  }

  /** The byte offset in {@link #file()} where the damage starts. */
  public long offset() {
    return offset;
  }
}
